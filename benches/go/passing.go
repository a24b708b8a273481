// passing.go — the explainer's FastPath against SlowPath for structs of 8 to
// 1024 bytes, the Go twin of benches/passing.c (by_value against ptr_malloc).
//
// fastPathN returns a struct by value: the compiler keeps it on the stack.
// slowPathN returns a pointer to its local struct: escape analysis moves the
// struct to the heap ("moved to heap: v" in the -gcflags=-m report), so every
// call allocates and the garbage collector cleans up after it.  Like the C
// side, the callee writes every 8-byte word and the caller reads every word
// into a checksum.  Callees are marked go:noinline so each call is real.
//
// One function pair per size (Go arrays have constant length); the table
// passingCases maps each size to its loops and to the function names the
// escape report is keyed by.  Code below the table is regular, not clever.

package main

type s8 [1]uint64

//go:noinline
func fastPath8(seed uint64) s8 {
	var v s8
	for i := range v {
		v[i] = seed + uint64(i)
	}
	return v
}

//go:noinline
func slowPath8(seed uint64) *s8 {
	var v s8
	for i := range v {
		v[i] = seed + uint64(i)
	}
	return &v
}

func loopFast8(n int) uint64 {
	var sum uint64
	for i := 0; i < n; i++ {
		v := fastPath8(uint64(i))
		for _, w := range v {
			sum += w
		}
	}
	return sum
}

func loopSlow8(n int) uint64 {
	var sum uint64
	for i := 0; i < n; i++ {
		p := slowPath8(uint64(i))
		for _, w := range p {
			sum += w
		}
	}
	return sum
}

type s16 [2]uint64

//go:noinline
func fastPath16(seed uint64) s16 {
	var v s16
	for i := range v {
		v[i] = seed + uint64(i)
	}
	return v
}

//go:noinline
func slowPath16(seed uint64) *s16 {
	var v s16
	for i := range v {
		v[i] = seed + uint64(i)
	}
	return &v
}

func loopFast16(n int) uint64 {
	var sum uint64
	for i := 0; i < n; i++ {
		v := fastPath16(uint64(i))
		for _, w := range v {
			sum += w
		}
	}
	return sum
}

func loopSlow16(n int) uint64 {
	var sum uint64
	for i := 0; i < n; i++ {
		p := slowPath16(uint64(i))
		for _, w := range p {
			sum += w
		}
	}
	return sum
}

type s32 [4]uint64

//go:noinline
func fastPath32(seed uint64) s32 {
	var v s32
	for i := range v {
		v[i] = seed + uint64(i)
	}
	return v
}

//go:noinline
func slowPath32(seed uint64) *s32 {
	var v s32
	for i := range v {
		v[i] = seed + uint64(i)
	}
	return &v
}

func loopFast32(n int) uint64 {
	var sum uint64
	for i := 0; i < n; i++ {
		v := fastPath32(uint64(i))
		for _, w := range v {
			sum += w
		}
	}
	return sum
}

func loopSlow32(n int) uint64 {
	var sum uint64
	for i := 0; i < n; i++ {
		p := slowPath32(uint64(i))
		for _, w := range p {
			sum += w
		}
	}
	return sum
}

type s64 [8]uint64

//go:noinline
func fastPath64(seed uint64) s64 {
	var v s64
	for i := range v {
		v[i] = seed + uint64(i)
	}
	return v
}

//go:noinline
func slowPath64(seed uint64) *s64 {
	var v s64
	for i := range v {
		v[i] = seed + uint64(i)
	}
	return &v
}

func loopFast64(n int) uint64 {
	var sum uint64
	for i := 0; i < n; i++ {
		v := fastPath64(uint64(i))
		for _, w := range v {
			sum += w
		}
	}
	return sum
}

func loopSlow64(n int) uint64 {
	var sum uint64
	for i := 0; i < n; i++ {
		p := slowPath64(uint64(i))
		for _, w := range p {
			sum += w
		}
	}
	return sum
}

type s128 [16]uint64

//go:noinline
func fastPath128(seed uint64) s128 {
	var v s128
	for i := range v {
		v[i] = seed + uint64(i)
	}
	return v
}

//go:noinline
func slowPath128(seed uint64) *s128 {
	var v s128
	for i := range v {
		v[i] = seed + uint64(i)
	}
	return &v
}

func loopFast128(n int) uint64 {
	var sum uint64
	for i := 0; i < n; i++ {
		v := fastPath128(uint64(i))
		for _, w := range v {
			sum += w
		}
	}
	return sum
}

func loopSlow128(n int) uint64 {
	var sum uint64
	for i := 0; i < n; i++ {
		p := slowPath128(uint64(i))
		for _, w := range p {
			sum += w
		}
	}
	return sum
}

type s256 [32]uint64

//go:noinline
func fastPath256(seed uint64) s256 {
	var v s256
	for i := range v {
		v[i] = seed + uint64(i)
	}
	return v
}

//go:noinline
func slowPath256(seed uint64) *s256 {
	var v s256
	for i := range v {
		v[i] = seed + uint64(i)
	}
	return &v
}

func loopFast256(n int) uint64 {
	var sum uint64
	for i := 0; i < n; i++ {
		v := fastPath256(uint64(i))
		for _, w := range v {
			sum += w
		}
	}
	return sum
}

func loopSlow256(n int) uint64 {
	var sum uint64
	for i := 0; i < n; i++ {
		p := slowPath256(uint64(i))
		for _, w := range p {
			sum += w
		}
	}
	return sum
}

type s512 [64]uint64

//go:noinline
func fastPath512(seed uint64) s512 {
	var v s512
	for i := range v {
		v[i] = seed + uint64(i)
	}
	return v
}

//go:noinline
func slowPath512(seed uint64) *s512 {
	var v s512
	for i := range v {
		v[i] = seed + uint64(i)
	}
	return &v
}

func loopFast512(n int) uint64 {
	var sum uint64
	for i := 0; i < n; i++ {
		v := fastPath512(uint64(i))
		for _, w := range v {
			sum += w
		}
	}
	return sum
}

func loopSlow512(n int) uint64 {
	var sum uint64
	for i := 0; i < n; i++ {
		p := slowPath512(uint64(i))
		for _, w := range p {
			sum += w
		}
	}
	return sum
}

type s1024 [128]uint64

//go:noinline
func fastPath1024(seed uint64) s1024 {
	var v s1024
	for i := range v {
		v[i] = seed + uint64(i)
	}
	return v
}

//go:noinline
func slowPath1024(seed uint64) *s1024 {
	var v s1024
	for i := range v {
		v[i] = seed + uint64(i)
	}
	return &v
}

func loopFast1024(n int) uint64 {
	var sum uint64
	for i := 0; i < n; i++ {
		v := fastPath1024(uint64(i))
		for _, w := range v {
			sum += w
		}
	}
	return sum
}

func loopSlow1024(n int) uint64 {
	var sum uint64
	for i := 0; i < n; i++ {
		p := slowPath1024(uint64(i))
		for _, w := range p {
			sum += w
		}
	}
	return sum
}

// passingCase is one struct size with its two loops (each returns the checksum).
type passingCase struct {
	size               int
	fast, slow         func(n int) uint64
	fastFunc, slowFunc string
}

var passingCases = []passingCase{
	{8, loopFast8, loopSlow8, "fastPath8", "slowPath8"},
	{16, loopFast16, loopSlow16, "fastPath16", "slowPath16"},
	{32, loopFast32, loopSlow32, "fastPath32", "slowPath32"},
	{64, loopFast64, loopSlow64, "fastPath64", "slowPath64"},
	{128, loopFast128, loopSlow128, "fastPath128", "slowPath128"},
	{256, loopFast256, loopSlow256, "fastPath256", "slowPath256"},
	{512, loopFast512, loopSlow512, "fastPath512", "slowPath512"},
	{1024, loopFast1024, loopSlow1024, "fastPath1024", "slowPath1024"},
}

// passingExpected is the checksum of n calls at size bytes: call i yields
// words (i + k) for k in 0..words-1.
func passingExpected(size, n int) uint64 {
	words := uint64(size / 8)
	var sum uint64
	for i := uint64(0); i < uint64(n); i++ {
		sum += words*i + words*(words-1)/2
	}
	return sum
}

func findPassingCase(size int) *passingCase {
	for i := range passingCases {
		if passingCases[i].size == size {
			return &passingCases[i]
		}
	}
	return nil
}
