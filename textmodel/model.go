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

// Model is a trained logistic-regression spam model.
type Model struct {
	set  FeatureSet // feature groups the model was trained with
	w    []float32  // 1<<Bits weights of the hashed features
	bias float32    // intercept, kept outside the normalised features so short texts are not dominated by it
}

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
	Val  float32
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
			for _, i := range e.Idx {
				z += w[i] * float64(e.Val)
			}
			y := 0.0
			if e.Spam {
				y = 1
			}
			g := sigmoid(z) - y
			bg2 += g * g
			bias -= opt.Rate * g / (math.Sqrt(bg2) + 1e-8)
			for _, i := range e.Idx {
				gi := g*float64(e.Val) + opt.L2*w[i]
				g2[i] += gi * gi
				w[i] -= opt.Rate * gi / (math.Sqrt(g2[i]) + 1e-8)
			}
		}
	}
	m := &Model{w: make([]float32, len(w)), bias: float32(bias)}
	if len(ex) > 0 {
		m.set = ex[0].Set
	}
	for i, x := range w {
		m.w[i] = float32(x)
	}
	return m
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// Score returns the probability that d is spam.
func (m *Model) Score(d Doc) float64 {
	idx, v := FeaturesWith(d, m.set)
	return m.scoreIdx(idx, v)
}

func (m *Model) scoreIdx(idx []uint32, v float32) float64 {
	z := float64(m.bias)
	for _, i := range idx {
		z += float64(m.w[i]) * float64(v)
	}
	return sigmoid(z)
}

// Set returns the feature set the model was trained with.
func (m *Model) Set() FeatureSet { return m.set }

// ScoreExample scores a featurised document.
func (m *Model) ScoreExample(e Example) float64 { return m.scoreIdx(e.Idx, e.Val) }

const magic = "TMLR3"

// WriteTo serialises the model: magic, bits, the feature set, the bias,
// then little-endian float32 weights.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	buf.WriteString(magic)
	buf.WriteByte(Bits)
	buf.WriteByte(byte(m.set))
	binary.Write(&buf, binary.LittleEndian, m.bias)
	if err := binary.Write(&buf, binary.LittleEndian, m.w); err != nil {
		return 0, fmt.Errorf("textmodel: encode: %w", err)
	}
	n, err := w.Write(buf.Bytes())
	return int64(n), err
}

// ErrBadModel is returned by Load for data that is not a model of this
// version and feature space.
var ErrBadModel = errors.New("textmodel: not a model file of this version")

// Load reads a model written by WriteTo.
func Load(b []byte) (*Model, error) {
	if len(b) < len(magic)+1 || string(b[:len(magic)]) != magic || b[len(magic)] != Bits {
		return nil, ErrBadModel
	}
	b = b[len(magic)+1:]
	if len(b) != 1+4+4<<Bits {
		return nil, fmt.Errorf("%w: %d weight bytes", ErrBadModel, len(b))
	}
	set := FeatureSet(b[0])
	if set&^(FeatStructure|FeatList|FeatHeaders) != 0 {
		return nil, fmt.Errorf("%w: unknown feature set %#x", ErrBadModel, b[0])
	}
	b = b[1:]
	m := &Model{set: set, w: make([]float32, 1<<Bits), bias: math.Float32frombits(binary.LittleEndian.Uint32(b))}
	b = b[4:]
	for i := range m.w {
		m.w[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
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

// NestedCV estimates the whole training procedure, feature-set choice
// included: for each outer fold (i mod k) the set with the lowest
// SelectionCost under an inner k-fold CV of the outer training part is
// chosen, trained on that part, and scores the held-out fold. variants
// holds the same documents featurised once per candidate set, in the same
// order. It returns the out-of-fold probabilities and the set chosen for
// each outer fold.
func NestedCV(variants []([]Example), k int, opt Options) ([]float64, []FeatureSet) {
	n := len(variants[0])
	out := make([]float64, n)
	chosen := make([]FeatureSet, k)
	for f := 0; f < k; f++ {
		best, bestCost := 0, math.Inf(1)
		for v, ex := range variants {
			var train []Example
			for i, e := range ex {
				if i%k != f {
					train = append(train, e)
				}
			}
			if c := SelectionCost(CrossValidate(train, k, opt), train); c < bestCost {
				best, bestCost = v, c
			}
		}
		ex := variants[best]
		chosen[f] = ex[0].Set
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
	return out, chosen
}
