// Package api is the HTTP triage API (`triage serve`): systems that cannot
// write to Kafka submit mail over HTTP and get back the same JSON document
// `triage classify` prints, or hand it to the processor asynchronously.
//
// Routes:
//
//	POST /v1/triage   classify one email synchronously (200, JSON result)
//	POST /v1/emails   enqueue one email on the input topic (202), when a
//	                  Producer is configured; 404 otherwise
//	GET  /healthz     liveness, no authentication
//	GET  /readyz      readiness (the Ready hook), no authentication
//	GET  /metrics     Prometheus metrics of the API, no authentication
//
// A body is either the raw RFC 5322 message (Content-Type message/rfc822
// or text/plain; region from the X-Triage-Region header or ?region=) or
// JSON {"raw": "...", "region": "..."} (Content-Type application/json).
//
// Every /v1 request needs `Authorization: Bearer <key>`. Keys come from a
// file of `name:key` or `name:sha256:<hex>` lines and are held only as
// SHA-256 digests, compared in constant time against every configured key.
// Each key has its own token bucket (default 100 requests/minute, the
// deployment guide's figure); an empty bucket answers 429 with Retry-After.
// Bodies above the size limit (default 10 MiB) answer 413. Every error is
// JSON: {"error": {"code": "...", "message": "..."}}.
//
// Every request writes one audit log line: key name, method, route,
// status, bytes in and out, duration. Never the body, never the key, never
// the client address (an IP address is personal data in the EU).
package api
