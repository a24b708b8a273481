// handoff.go — handing a value from one goroutine to another, the Go twin of
// the publication mechanisms in benches/visibility.c.
//
// Two goroutines ping-pong n handoffs.  Every handoff carries a payload
// written with a plain store before the synchronisation; the receiver
// checks it and counts stale payloads.  Mechanisms:
//
//	chan_unbuffered  an unbuffered channel (a rendezvous)
//	chan_cap1        a channel of capacity 1
//	mutex            sync.Mutex guarding a turn variable (polled)
//	racy_flag        no synchronisation at all: a plain data store, then a
//	                 plain flag store; the reader polls the plain flag.  This
//	                 is a data race by the Go memory model's definition (the
//	                 race detector reports it); stale reads are counted.
//
// The result is ns per one-way handoff (the round trip / 2).
package main

import (
	"runtime"
	"sync"
)

// payload is written before each handoff and checked after it.
var payload uint64

// handoffResult packs the stale count into an opResult.
func handoffResult(stale, handoffs int) opResult {
	return opResult{checksum: uint64(handoffs), extra: map[string]float64{
		"stale_reads": float64(stale), "handoffs": float64(handoffs)}}
}

// rounds is the number of round trips that make n one-way handoffs.
func rounds(n int) int { return (n + 1) / 2 }

// chanPingPong hands off n times over two channels of the given capacity.
func chanPingPong(n, capacity int) opResult {
	n = rounds(n)
	ping, pong := make(chan uint64, capacity), make(chan uint64, capacity)
	staleB := make(chan int)
	go func() {
		stale := 0
		for v := range ping {
			if payload != v {
				stale++
			}
			payload = v + 1
			pong <- v + 1
		}
		staleB <- stale
	}()
	stale := 0
	for i := 0; i < n; i++ {
		v := uint64(2 * i)
		payload = v
		ping <- v
		if w := <-pong; payload != w {
			stale++
		}
	}
	close(ping)
	stale += <-staleB
	return handoffResult(stale, 2*n)
}

// mutexPingPong alternates turns under a sync.Mutex, n handoffs.
func mutexPingPong(n int) opResult {
	n = rounds(n)
	var mu sync.Mutex
	turn := 0 // 0: main's turn, 1: the peer's
	done := make(chan int)
	run := func(me int, rounds int, stale *int) {
		spins := 0
		for r := 0; r < rounds; {
			mu.Lock()
			if turn == me {
				if me == 1 && payload != uint64(2*r) || me == 0 && r > 0 && payload != uint64(2*r-1) {
					*stale++
				}
				payload = uint64(2*r + me)
				turn = 1 - me
				r++
			}
			mu.Unlock()
			if spins++; spins&63 == 0 {
				runtime.Gosched()
			}
		}
	}
	var peerStale int
	go func() {
		run(1, n, &peerStale)
		done <- 0
	}()
	stale := 0
	run(0, n, &stale)
	<-done
	return handoffResult(stale+peerStale, 2*n)
}

// The racy handoff's shared words: plain variables, deliberately unsynchronised.
var racyData, racyFlag, racyAck uint64

// racySpin polls a plain word until it holds want or the budget runs out.
// The Gosched every 1024 polls keeps a single-CPU run moving; it is a call,
// so the compiler reloads the word, but it orders nothing in hardware.
func racySpin(p *uint64, want uint64) bool {
	for i := 0; i < 1<<26; i++ {
		if *p == want {
			return true
		}
		if i&1023 == 1023 {
			runtime.Gosched()
		}
	}
	return false
}

// racyHandoff: the writer stores data then flag (plain); the reader waits
// for the flag and checks the data, then acknowledges (plain).  n handoffs.
func racyHandoff(n int) opResult {
	n = rounds(n)
	racyData, racyFlag, racyAck = 0, 0, 0
	staleB := make(chan [2]int)
	go func() {
		stale, lost := 0, 0
		for i := uint64(1); i <= uint64(n); i++ {
			if !racySpin(&racyFlag, i) {
				lost++
				break
			}
			if racyData != i {
				stale++
			}
			racyAck = i
		}
		staleB <- [2]int{stale, lost}
	}()
	lost := 0
	for i := uint64(1); i <= uint64(n); i++ {
		racyData = i
		racyFlag = i
		if !racySpin(&racyAck, i) {
			lost++
			break
		}
	}
	r := <-staleB
	res := handoffResult(r[0], 2*n)
	res.extra["lost_handoffs"] = float64(lost + r[1])
	return res
}

// handoffFuncs maps a mechanism to its ping-pong function.
var handoffFuncs = map[string]func(n int) opResult{
	"chan_unbuffered": func(n int) opResult { return chanPingPong(n, 0) },
	"chan_cap1":       func(n int) opResult { return chanPingPong(n, 1) },
	"mutex":           mutexPingPong,
	"racy_flag":       racyHandoff,
}
