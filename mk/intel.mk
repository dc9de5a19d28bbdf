# Intelligence stages: spam model training and evaluation (docs/intelligence.md).
DATA ?= ../shared/data

.PHONY: train eval-intel langid-profile

train: ## retrain models/spam.bin from $(DATA)/spamassassin (deterministic)
	$(GO) run ./cmd/triage train --corpus $(DATA)/spamassassin --labels $(DATA)/spamassassin/labels.csv --out models/spam.bin

langid-profile: ## rebuild langid/profile.bin from lingua-go's published n-gram models
	$(GO) run ./langid/internal/gen -out langid/profile.bin -min-quad-prob 0.1

eval-intel: ## evaluate language/classify/priority/summary on $(DATA); writes eval/results/intel.md
	TRIAGE_DATA=$(abspath $(DATA)) $(GO) test -tags eval -run TestEvalIntel -v -timeout 30m ./eval/
