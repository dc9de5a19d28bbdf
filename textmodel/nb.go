package textmodel

import "math"

// nb is a binarised multinomial naive Bayes over the word group: each
// feature present in a document counts once. Its raw log-odds are
// over-confident (features are far from independent), so a Platt scale
// fitted on out-of-fold scores turns them into probabilities that can be
// averaged with the logistic-regression ones.
//
// The component stores the log-ratios log P(i|spam) - log P(i|ham) in w,
// the prior log-odds in bias and the Platt scale p = sigmoid(a*s + b) in
// a and b.

const nbAlpha = 1.0 // Laplace smoothing, fixed a priori

func trainNBRaw(ex []Example) *comp {
	var cs, ch []float64
	cs = make([]float64, 1<<Bits)
	ch = make([]float64, 1<<Bits)
	var ts, th float64
	ns, nh := 0, 0
	for _, e := range ex {
		c, t := ch, &th
		if e.Spam {
			c, t = cs, &ts
			ns++
		} else {
			nh++
		}
		for _, i := range e.Idx {
			c[i]++
			*t++
		}
	}
	v := 0.0
	for i := range cs {
		if cs[i] > 0 || ch[i] > 0 {
			v++
		}
	}
	m := &comp{kind: KindNB, a: 1}
	r := make([]float64, 1<<Bits)
	if len(ex) > 0 {
		m.set = ex[0].Set
	}
	ds, dh := math.Log(ts+nbAlpha*v), math.Log(th+nbAlpha*v)
	for i := range r {
		if cs[i] > 0 || ch[i] > 0 {
			r[i] = (math.Log(cs[i]+nbAlpha) - ds) - (math.Log(ch[i]+nbAlpha) - dh)
		}
	}
	m.w, m.scale = quantize(r)
	m.bias = float32(math.Log(float64(ns+1) / float64(nh+1)))
	return m
}

// raw is the prior plus the mean log-ratio per feature scaled by the square
// root of the feature count: the plain sum grows with length and makes
// long documents absurdly confident.
func (m *comp) nbRaw(idx []uint32) float64 {
	var s int64
	for _, i := range idx {
		s += int64(m.w[i])
	}
	return float64(m.bias) + float64(s)*float64(m.scale)/math.Sqrt(float64(max(len(idx), 1)))
}

func (m *comp) nbProb(idx []uint32) float64 { return sigmoid(float64(m.a)*m.nbRaw(idx) + float64(m.b)) }

// trainNB fits the counts on all of ex and the Platt scale on k-fold
// out-of-fold raw scores (fold = i mod k), so the scale reflects unseen
// documents.
func trainNB(ex []Example, k int) *comp {
	s := make([]float64, len(ex))
	for f := 0; f < k; f++ {
		var tr []Example
		for i, e := range ex {
			if i%k != f {
				tr = append(tr, e)
			}
		}
		m := trainNBRaw(tr)
		for i, e := range ex {
			if i%k == f {
				s[i] = m.nbRaw(e.Idx)
			}
		}
	}
	m := trainNBRaw(ex)
	m.a, m.b = platt(s, ex)
	return m
}

// platt fits p = sigmoid(a*s + b) by Newton's method on the log-loss,
// with Platt's smoothed targets.
func platt(s []float64, ex []Example) (float32, float32) {
	np, nn := 0.0, 0.0
	for _, e := range ex {
		if e.Spam {
			np++
		} else {
			nn++
		}
	}
	hi, lo := (np+1)/(np+2), 1/(nn+2)
	a, b := 1.0, 0.0
	for it := 0; it < 100; it++ {
		var ga, gb, haa, hab, hbb float64
		for i, e := range ex {
			t := lo
			if e.Spam {
				t = hi
			}
			p := sigmoid(a*s[i] + b)
			d := p - t
			w := p * (1 - p)
			ga += d * s[i]
			gb += d
			haa += w * s[i] * s[i]
			hab += w * s[i]
			hbb += w
		}
		haa += 1e-9
		hbb += 1e-9
		det := haa*hbb - hab*hab
		if det <= 0 {
			break
		}
		da := (hbb*ga - hab*gb) / det
		db := (haa*gb - hab*ga) / det
		a -= da
		b -= db
		if math.Abs(da) < 1e-9 && math.Abs(db) < 1e-9 {
			break
		}
	}
	return float32(a), float32(b)
}
