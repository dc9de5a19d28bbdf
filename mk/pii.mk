# PII recognizers: evaluation on the shared test vectors (docs/pii.md).
DATA ?= ../shared/data

.PHONY: eval-pii bench-pii

eval-pii: ## PII precision/recall on $(DATA)/presidio_vectors; writes eval/results/pii.md
	TRIAGE_DATA=$(abspath $(DATA)) $(GO) test -tags eval -run TestEvalPII -v ./eval/

bench-pii: ## PII detector and stage benchmarks
	$(GO) test -run '^$$' -bench 'Detect|PIIStage' -benchmem ./pii/ ./stages/
