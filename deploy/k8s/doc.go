// Package k8s holds the Kubernetes manifests (kustomize base, region
// overlays, the HPA component) and, in manifests_test.go, the test that
// parses and renders them and cross-checks their references against each
// other and against the binary: commands and flags exist, config keys are
// ones the config package reads, mounted paths cover every file the config
// names, probes hit ports and paths that are served, autoscalers stop at
// the partition count.
package k8s
