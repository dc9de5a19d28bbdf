package pii

import "testing"

func TestIPAddress(t *testing.T) {
	runCases(t, IPAddress, []detCase{
		{"v4", "from 192.168.1.1, then", []string{"192.168.1.1"}},
		{"v4 cidr", "route 10.0.0.0/8.", []string{"10.0.0.0/8"}},
		{"v4 out of range", "256.256.256.256 and 192.168.1", nil},
		{"v4 glued to letters", "IP192.168.1.1text", nil},
		{"version", "upgrade to version 1.2.3.4 today", nil},
		{"v6 compressed", "Server IP: 2001:db8::1", []string{"2001:db8::1"}},
		{"v6 zone and prefix", "fe80::1%eth0/64", []string{"fe80::1%eth0/64"}},
		{"v6 mapped", "Mapped: ::ffff:192.168.1.1", []string{"::ffff:192.168.1.1"}},
		{"v6 bracket port", "[2001:db8::1]:8080", []string{"2001:db8::1"}},
		{"v6 double ::", "2001::db8::1", nil},
		{"time and mac", "Time 12:34:56 MAC aa:bb:cc:dd:ee:ff", nil},
		{"v6 glued", "fe80::1text", nil},
	})
}
