# Container image and Kubernetes manifests (issue 8). See docs/operations.md.

IMAGE     ?= ghcr.io/triage-dev/triage
K8S_DIR   := deploy/k8s
OVERLAY   ?= us-east-1

.PHONY: docker-build kube-render kube-check

docker-build: ## build the container image ($(IMAGE):$(VERSION))
	docker build --build-arg VERSION=$(VERSION) -t $(IMAGE):$(VERSION) .

kube-render: ## render one overlay with kubectl kustomize (OVERLAY=eu-west-1)
	kubectl kustomize $(K8S_DIR)/overlays/$(OVERLAY)

kube-check: ## parse, render and cross-check every manifest and the runbook
	$(GO) test -count=1 ./$(K8S_DIR)/...
