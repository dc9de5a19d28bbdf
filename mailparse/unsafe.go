package mailparse

import "unsafe"

// unsafeString returns b as a string without copying. Only for buffers
// built locally and never written again after the call.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
