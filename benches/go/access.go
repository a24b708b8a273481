// access.go — a hot buffer on the stack against one on the heap, the Go twin
// of access/hot_stack and access/hot_heap in benches/access.c.
//
// Both variants fill an N-byte buffer of 64-bit words with 0..words-1, warm
// it with one pass, then time read-modify-write passes (add 1 to every
// word).  hotStack's buffer is a local array (1 MiB, sliced to N): escape
// analysis keeps it on the goroutine stack.  hotHeap's buffer comes from
// make with a size known only at run time, which the compiler must place on
// the heap.  The explainer says the heap "is slower to access"; once the
// buffer is warm both are the same memory in the same caches.
package main

const hotMaxBytes = 1 << 20

// rmwPass adds 1 to every word.
//
//go:noinline
func rmwPass(w []uint64) {
	for i := range w {
		w[i]++
	}
}

func fillIndex(w []uint64) {
	for i := range w {
		w[i] = uint64(i)
	}
}

func sumWords(w []uint64) uint64 {
	var s uint64
	for _, x := range w {
		s += x
	}
	return s
}

// hotPasses fills, warms and runs n timed passes over w; returns the sum.
func hotPasses(w []uint64, n int) uint64 {
	fillIndex(w)
	rmwPass(w)
	for i := 0; i < n; i++ {
		rmwPass(w)
	}
	return sumWords(w)
}

//go:noinline
func hotStack(size, n int) uint64 {
	var buf [hotMaxBytes / 8]uint64
	return hotPasses(buf[:size/8], n)
}

//go:noinline
func hotHeap(size, n int) uint64 {
	buf := make([]uint64, size/8)
	return hotPasses(buf, n)
}

// hotExpected is the sum after n timed passes (plus the warming pass).
func hotExpected(size, n int) uint64 {
	w := uint64(size / 8)
	return w*(w-1)/2 + uint64(n+1)*w
}
