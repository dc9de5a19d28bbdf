package textmodel

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
)

// Model is a trained spam model: one or more components (logistic
// regression or naive Bayes, each over its own feature set) whose spam
// probabilities are averaged. Averaging, with equal weights fixed a
// priori, is the simplest combination that needs no extra held-out data;
// it helps when the components err on different messages.
type Model struct {
	comps []*comp
}

// comp is one trained component.
type comp struct {
	kind  Kind
	set   FeatureSet // feature groups the component was trained with
	w     []int8     // 1<<Bits weights (LR) or log-ratios (NB) of the hashed features, in units of scale
	scale float32    // value of one unit of w
	bias  float32    // intercept (LR, kept outside the normalised features so short texts are not dominated by it) or prior log-odds (NB)
	a, b  float32    // NB only: Platt scale
}

// Kind is a component's learner.
type Kind uint8

const (
	// KindLR is L2-regularised logistic regression (AdaGrad SGD) over the
	// values FeaturesWith returns.
	KindLR Kind = iota
	// KindNB is binarised multinomial naive Bayes over the word group,
	// Platt-scaled on out-of-fold scores. Its set must not include
	// FeatChars.
	KindNB
)

// Component names a learner and its feature set.
type Component struct {
	Kind Kind
	Set  FeatureSet
}

// Spec is a model recipe: the components whose probabilities are averaged.
type Spec []Component

// Options tunes training. The zero value uses the defaults documented on
// each field.
type Options struct {
	Epochs int     // passes over the data; default 12
	Rate   float64 // AdaGrad base learning rate; default 0.5
	L2     float64 // L2 penalty per update; default 1e-6
	Seed   uint64  // shuffle seed; default 1
}

func (o *Options) defaults() {
	if o.Epochs <= 0 {
		o.Epochs = 12
	}
	if o.Rate <= 0 {
		o.Rate = 0.5
	}
	if o.L2 <= 0 {
		o.L2 = 1e-6
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
}

// Example is one featurised training document.
type Example struct {
	Set  FeatureSet
	Idx  []uint32
	Val  []float32 // value of each feature in Idx
	Spam bool
}

// Featurise turns docs into examples with DefaultSet.
func Featurise(docs []Doc, spam []bool) []Example { return FeaturiseWith(docs, spam, DefaultSet) }

// FeaturiseWith turns docs into examples with an explicit feature set.
func FeaturiseWith(docs []Doc, spam []bool, set FeatureSet) []Example {
	ex := make([]Example, len(docs))
	for i, d := range docs {
		idx, v := FeaturesWith(d, set)
		ex[i] = Example{Set: set, Idx: idx, Val: v, Spam: spam[i]}
	}
	return ex
}

// Train fits a model with AdaGrad SGD. Identical inputs and options give an
// identical model. All examples must share one feature set, which the
// model records.
func Train(ex []Example, opt Options) *Model {
	opt.defaults()
	w := make([]float64, 1<<Bits)
	g2 := make([]float64, 1<<Bits)
	order := make([]int, len(ex))
	for i := range order {
		order[i] = i
	}
	bias, bg2 := 0.0, 0.0
	rng := rand.New(rand.NewPCG(opt.Seed, 0x7269616765))
	for ep := 0; ep < opt.Epochs; ep++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, k := range order {
			e := &ex[k]
			z := bias
			for k, i := range e.Idx {
				z += w[i] * float64(e.Val[k])
			}
			y := 0.0
			if e.Spam {
				y = 1
			}
			g := sigmoid(z) - y
			bg2 += g * g
			bias -= opt.Rate * g / (math.Sqrt(bg2) + 1e-8)
			for k, i := range e.Idx {
				gi := g*float64(e.Val[k]) + opt.L2*w[i]
				g2[i] += gi * gi
				w[i] -= opt.Rate * gi / (math.Sqrt(g2[i]) + 1e-8)
			}
		}
	}
	c := &comp{kind: KindLR, bias: float32(bias)}
	if len(ex) > 0 {
		c.set = ex[0].Set
	}
	c.w, c.scale = quantize(w)
	return &Model{comps: []*comp{c}}
}

// quantize stores weights as int8 steps of max|w|/127. A 2^20 table then
// takes 1 MiB instead of 4 (the model file stays small and lookups stay
// in cache); the rounding error, at most half a step per weight, moves a
// score by about 0.01 in logit units. Training and cross-validation score
// with the quantized weights, so the reported figures are those of the
// stored model.
func quantize(w []float64) ([]int8, float32) {
	mx := 0.0
	for _, x := range w {
		mx = math.Max(mx, math.Abs(x))
	}
	q := make([]int8, len(w))
	if mx == 0 {
		return q, 1
	}
	step := mx / 127
	for i, x := range w {
		q[i] = int8(math.Round(x / step))
	}
	return q, float32(step)
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// Score returns the probability that d is spam: the mean of the
// components' probabilities. Word features are computed once per distinct
// word-group set.
func (m *Model) Score(d Doc) float64 {
	var words [4]struct {
		set FeatureSet
		idx []uint32
	}
	nw := 0
	p := 0.0
	for _, c := range m.comps {
		ws := c.set &^ FeatChars
		var w []uint32
		found := false
		for k := 0; k < nw; k++ {
			if words[k].set == ws {
				w, found = words[k].idx, true
				break
			}
		}
		if !found {
			w = wordFeatures(d, ws)
			if nw < len(words) {
				words[nw].set, words[nw].idx = ws, w
				nw++
			}
		}
		p += c.score(d, w)
	}
	return p / float64(len(m.comps))
}

// score computes the same sum as scoring FeaturesWith's output, without
// building or sorting the character n-gram list: those features' values
// are counts over one shared norm, so their weights can be summed first
// and scaled once.
func (c *comp) score(d Doc, w []uint32) float64 {
	if c.kind == KindNB {
		return c.nbProb(w)
	}
	// The weight table as an array: indexes are masked to Bits, so the
	// lookups below need no bounds checks.
	wt := (*[1 << Bits]int8)(c.w)
	var sw int64
	for _, i := range w {
		sw += int64(wt[i&(1<<Bits-1)])
	}
	z := float64(sw) / math.Sqrt(float64(max(len(w), 1)))
	if c.set&FeatChars != 0 {
		// charGrams with the weight lookup inlined: the callback was a
		// tenth of scoring time. Integer sums, so the order of the
		// additions cannot change the result.
		var buf charBuf
		b := charText(d, &buf)
		n, sc := 0, int64(0)
		for i := 0; i+charMin <= len(b); i++ {
			h := charSeed
			end := min(i+charMax, len(b))
			for j := i; j < end; j++ {
				h ^= uint64(b[j])
				h *= 1099511628211
				if j-i+1 >= charMin {
					n++
					sc += int64(wt[uint32(h>>20)&(1<<Bits-1)])
				}
			}
		}
		if n > 0 {
			z += float64(sc) / math.Sqrt(float64(n))
		}
	}
	return sigmoid(z*float64(c.scale) + float64(c.bias))
}

func (c *comp) scoreExample(e Example) float64 {
	if c.kind == KindNB {
		return c.nbProb(e.Idx)
	}
	z := 0.0
	for k, i := range e.Idx {
		z += float64(c.w[i]) * float64(e.Val[k])
	}
	return sigmoid(z*float64(c.scale) + float64(c.bias))
}

// Set returns the union of the feature sets the model's components use.
func (m *Model) Set() FeatureSet {
	var s FeatureSet
	for _, c := range m.comps {
		s |= c.set
	}
	return s
}

// Spec returns the model's recipe.
func (m *Model) Spec() Spec {
	out := make(Spec, len(m.comps))
	for i, c := range m.comps {
		out[i] = Component{Kind: c.kind, Set: c.set}
	}
	return out
}

// ScoreExample scores a featurised document with a single-component
// model (as built by Train).
func (m *Model) ScoreExample(e Example) float64 { return m.comps[0].scoreExample(e) }

const magic = "TMEN2"

// WriteTo serialises the model: magic, bits, the component count, then
// per component its kind, feature set, bias, Platt scale, weight scale
// (little-endian float32) and the int8 weights.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	buf.WriteString(magic)
	buf.WriteByte(Bits)
	buf.WriteByte(byte(len(m.comps)))
	for _, c := range m.comps {
		buf.WriteByte(byte(c.kind))
		buf.WriteByte(byte(c.set))
		binary.Write(&buf, binary.LittleEndian, [4]float32{c.bias, c.a, c.b, c.scale})
		if err := binary.Write(&buf, binary.LittleEndian, c.w); err != nil {
			return 0, fmt.Errorf("textmodel: encode: %w", err)
		}
	}
	n, err := w.Write(buf.Bytes())
	return int64(n), err
}

// ErrBadModel is returned by Load for data that is not a model of this
// version and feature space.
var ErrBadModel = errors.New("textmodel: not a model file of this version")

// Load reads a model written by WriteTo.
func Load(b []byte) (*Model, error) {
	if len(b) < len(magic)+2 || string(b[:len(magic)]) != magic || b[len(magic)] != Bits {
		return nil, ErrBadModel
	}
	n := int(b[len(magic)+1])
	b = b[len(magic)+2:]
	const per = 2 + 16 + 1<<Bits
	if n == 0 || len(b) != n*per {
		return nil, fmt.Errorf("%w: %d components in %d bytes", ErrBadModel, n, len(b))
	}
	m := &Model{}
	for k := 0; k < n; k++ {
		c := &comp{kind: Kind(b[0]), set: FeatureSet(b[1]), w: make([]int8, 1<<Bits)}
		if c.kind > KindNB {
			return nil, fmt.Errorf("%w: unknown component kind %d", ErrBadModel, b[0])
		}
		if c.set&^allSets != 0 || (c.kind == KindNB && c.set&FeatChars != 0) {
			return nil, fmt.Errorf("%w: unknown feature set %#x", ErrBadModel, b[1])
		}
		f := func(i int) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b[2+4*i:])) }
		c.bias, c.a, c.b, c.scale = f(0), f(1), f(2), f(3)
		b = b[18:]
		for i := range c.w {
			c.w[i] = int8(b[i])
		}
		b = b[1<<Bits:]
		m.comps = append(m.comps, c)
	}
	return m, nil
}

// CrossValidate returns out-of-fold spam probabilities: example i is
// scored by a model trained on the folds that do not contain it (fold =
// i mod k, so callers should order examples deterministically).
func CrossValidate(ex []Example, k int, opt Options) []float64 {
	out := make([]float64, len(ex))
	for f := 0; f < k; f++ {
		var train []Example
		for i, e := range ex {
			if i%k != f {
				train = append(train, e)
			}
		}
		m := Train(train, opt)
		for i, e := range ex {
			if i%k == f {
				out[i] = m.ScoreExample(e)
			}
		}
	}
	return out
}

// SelectionCost is the criterion nested cross-validation minimises when it
// picks a feature set: a ham message filed as spam costs twice a missed
// spam, because a lost legitimate mail is worse than one more spam in the
// inbox. Fixed before any measurement.
func SelectionCost(probs []float64, ex []Example) float64 {
	c := 0.0
	for i, e := range ex {
		switch pred := probs[i] >= 0.5; {
		case pred && !e.Spam:
			c += 2
		case !pred && e.Spam:
			c++
		}
	}
	return c
}
