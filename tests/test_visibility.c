/*
 * test_visibility.c — the visibility family: every publication mechanism
 * delivers every message, in order, with its payload intact (stale_payloads
 * zero for every happens-before mechanism), in ping-pong and in streaming;
 * the receiver's check catches a corrupted payload and a message out of
 * order; the store-to-observation experiment sees every store, in both
 * directions, and half the difference of the directions' medians is the
 * clock offset; flag_only carries no payload and only ping-pongs; the pairs
 * registered are the topology module's representative pairs.  Includes the
 * family's source to reach its statics.  Runs are bounded by a message count
 * and a generous deadline; the assertions hold for however many messages the
 * deadline let through (delivered == sent), so none depends on timing.
 */
#include "../benches/visibility.c"

#include "testutil.h"

#define PINGPONG_MESSAGES 1000
#define STREAM_MESSAGES 3000

static topo *machine;

static int setup(void **state)
{
    (void)state;
    return testutil_load_machine(&machine, 1);
}

static int teardown(void **state)
{
    (void)state;
    topo_free(machine);
    return 0;
}


static vis_run *handoff(const vis_mech *m, int mode, uint64_t messages)
{
    topo_pair p = testutil_first_pair(machine);
    char err[256] = "";
    vis_run *r = vis_handoff_measure(machine, &p, m, mode, 60.0, messages, err, sizeof err);
    if (!r)
        fprintf(stderr, "%s: %s\n", m->name, err);
    assert_non_null(r);
    return r;
}

static void test_every_mechanism_delivers_pingpong(void **state)
{
    (void)state;
    for (int i = 0; i < VIS_MECH_COUNT; i++) {
        const vis_mech *m = &vis_mechs[i];
        vis_run *r = handoff(m, VIS_PINGPONG, PINGPONG_MESSAGES);
        print_message("%-16s pingpong: %llu + %llu handoffs, %llu stale\n", m->name,
                      (unsigned long long)r->tally[0].handoffs, (unsigned long long)r->tally[1].handoffs,
                      (unsigned long long)(r->tally[0].stale + r->tally[1].stale));
        /* the deadline may end the run before PINGPONG_MESSAGES (a slow
         * machine, valgrind): whatever the initiator sent, the responder got
         * all of it and echoed all of it, one sample per round trip */
        assert_int_equal(r->failed[0] + r->failed[1], 0);
        assert_true(r->round_trips > 0 && r->round_trips <= PINGPONG_MESSAGES);
        assert_int_equal(r->tally[1].handoffs, r->round_trips);   /* responder got all */
        assert_int_equal(r->tally[0].handoffs, r->round_trips);   /* and echoed all */
        assert_int_equal(r->n_samples, r->round_trips);
        assert_int_equal(r->tally[0].disorder + r->tally[1].disorder, 0);
        if (m->happens_before)
            assert_int_equal(r->tally[0].stale + r->tally[1].stale, 0);
        char err[256] = "";
        assert_int_equal(vis_handoff_verify(r, err, sizeof err), 0);
        vis_run_free(r);
    }
}

static void test_every_mechanism_delivers_stream(void **state)
{
    (void)state;
    for (int i = 0; i < VIS_MECH_COUNT; i++) {
        const vis_mech *m = &vis_mechs[i];
        if (m->bare)               /* no ack: ping-pong only */
            continue;
        vis_run *r = handoff(m, VIS_STREAM, STREAM_MESSAGES);
        uint64_t got = r->tally[1].handoffs;
        print_message("%-16s stream: %llu of up to %d messages\n", m->name, (unsigned long long)got,
                      STREAM_MESSAGES);
        /* The sender stops at STREAM_MESSAGES or, when the deadline passes
         * first (a slow machine, valgrind), after a multiple of
         * VIS_STREAM_CHECK; then it sends VIS_STOP.  The receiver got
         * messages 1..got in order (no disorder) and then the stop, so it got
         * every message sent exactly when got is one of the sender's possible
         * last messages: a lost final message would leave got one short. */
        assert_int_equal(r->failed[0] + r->failed[1], 0);
        assert_true(got > 0 && got <= STREAM_MESSAGES);
        assert_true(got == STREAM_MESSAGES || got % VIS_STREAM_CHECK == 0);
        assert_int_equal(r->tally[1].disorder, 0);
        if (m->happens_before)
            assert_int_equal(r->tally[1].stale, 0);
        vis_run_free(r);
    }
}

static void test_mechanism_table(void **state)
{
    (void)state;
    static const char *const want[] = {"flag_only", "relaxed", "release_acquire", "seq_cst", "mutex",
                                       "mutex_condvar", "channel_0", "channel_1", "channel_64",
                                       "pipe", "eventfd", "futex"};
    assert_int_equal(VIS_MECH_COUNT, 12);
    for (int i = 0; i < VIS_MECH_COUNT; i++) {
        const vis_mech *m = &vis_mechs[i];
        assert_string_equal(m->name, want[i]);
        assert_int_equal(m->happens_before, strcmp(m->name, "relaxed") != 0);   /* only the relaxed flag lacks it */
        assert_int_equal(m->bare, i == 0);                                      /* flag_only: first, the reference */
        char err[256] = "";
        vis_box *b = vis_box_open(m, err, sizeof err);
        assert_non_null(b);
        assert_true(b->capacity >= 0);
        assert_int_equal(b->ring_len, (size_t)b->capacity + 2);
        assert_true((b->plain != NULL) == (m->happens_before && !m->bare));   /* flag_only carries no payload */
        assert_true((b->relaxed != NULL) == !m->happens_before);
        vis_box_close(b);
    }
}

/* The receiver's checks, on one thread through a mailbox with room. */
static void test_receiver_catches_stale_and_disorder(void **state)
{
    (void)state;
    char err[256] = "";
    for (int i = 0; i < VIS_MECH_COUNT; i++) {
        const vis_mech *m = &vis_mechs[i];
        if (m->capacity == 0)      /* a rendezvous needs a second thread */
            continue;
        vis_box *b = vis_box_open(m, err, sizeof err);
        assert_non_null(b);
        vis_tally tally = {0};
        uint64_t msg;
        assert_int_equal(vis_send(b, 1, NULL), 0);
        assert_int_equal(vis_recv(b, 1, &msg, &tally, NULL), 0);
        assert_int_equal(msg, 1);
        assert_int_equal(tally.handoffs, 1);
        assert_int_equal(tally.stale + tally.disorder, 0);
        /* corrupt message 2's payload after it was written; flag_only has
         * none, so nothing of it can be stale */
        uint64_t stale = m->bare ? 0 : 1;
        assert_int_equal(vis_send(b, 2, NULL), 0);
        if (b->plain)
            b->plain[2 % b->ring_len].w[3] ^= 1;
        else if (b->relaxed)
            atomic_fetch_xor(&b->relaxed[2 % b->ring_len].w[3], 1);
        assert_int_equal(vis_recv(b, 2, &msg, &tally, NULL), 0);
        assert_int_equal(tally.stale, stale);
        /* message 4 where 3 was expected */
        assert_int_equal(vis_send(b, 4, NULL), 0);
        assert_int_equal(vis_recv(b, 3, &msg, &tally, NULL), 0);
        assert_int_equal(tally.disorder, 1);
        assert_int_equal(tally.stale, stale);
        /* VIS_STOP is not a handoff */
        assert_int_equal(vis_send(b, VIS_STOP, NULL), 0);
        assert_int_equal(vis_recv(b, 5, &msg, &tally, NULL), 0);
        assert_true(msg == VIS_STOP);
        assert_int_equal(tally.handoffs, 3);
        vis_box_close(b);
    }
}

static void test_verify_rejects_stale_through_happens_before(void **state)
{
    (void)state;
    char err[256] = "";
    vis_run r = {.mech = &vis_mechs[4]};   /* mutex */
    assert_string_equal(r.mech->name, "mutex");
    r.tally[1].stale = 2;
    assert_int_equal(vis_handoff_verify(&r, err, sizeof err), -1);
    assert_non_null(strstr(err, "2 stale payloads"));
    r.mech = &vis_mechs[1];                /* relaxed: counted, not a failure */
    assert_string_equal(r.mech->name, "relaxed");
    assert_int_equal(vis_handoff_verify(&r, err, sizeof err), 0);
    r.tally[0].disorder = 1;
    assert_int_equal(vis_handoff_verify(&r, err, sizeof err), -1);
}

static void test_store_to_load_sees_every_store(void **state)
{
    (void)state;
    topo_pair p = testutil_first_pair(machine);
    char err[256] = "";
    vis_observe *o = vis_observe_measure(machine, &p, 60.0, 500, err, sizeof err);
    assert_non_null(o);
    assert_int_equal(o->events, 500);
    assert_int_equal(o->disorder, 0);
    for (size_t i = 0; i < o->events; i++)
        assert_true(o->t_seen[i] != 0 && o->t_store[i] != 0);
    size_t negative;
    double *lat = vis_observe_latencies(o, &negative);
    assert_non_null(lat);
    free(lat);
    vis_observe_free(o);
}

/* Both directions of store_to_load: A->B sees latency + offset, B->A
 * latency - offset; half the difference is the offset, and the same
 * experiment run the other way round sees every store too. */
static void test_store_to_load_both_directions(void **state)
{
    (void)state;
    assert_true(vis_clock_offset(320, 280) == 20);
    assert_true(vis_clock_offset(280, 320) == -20);
    assert_true(vis_clock_offset(300, 300) == 0);
    topo_pair p = testutil_first_pair(machine);
    vis.topo = machine;
    for (int reverse = 0; reverse < 2; reverse++) {
        char err[256] = "";
        double *lat = NULL;
        size_t n = 0, negative = 0;
        pairs_counters counters[2] = {{0}, {0}};
        assert_int_equal(vis_observe_direction(&p, reverse, 0.02, &lat, &n, &negative, counters, err, sizeof err), 0);
        assert_true(n > 0);
        assert_true(negative <= n);
        free(lat);
        pairs_counters_discard(counters, 2);
    }
}

static void test_pairs_are_the_representative_pairs(void **state)
{
    (void)state;
    char err[256], why[256] = "";
    topo *t = topo_load_synthetic("pack:2 l3:1 core:2 pu:2", err, sizeof err);
    assert_non_null(t);
    topo_pair want[TOPO_PAIR_CLASS_COUNT];
    int n = topo_representative_pairs(t, want, TOPO_PAIR_CLASS_COUNT);
    bench_config cfg = {.topo = t, .quick = 1, .repetitions = 1};
    size_t before = cbench_registered_count();
    bench_family_visibility.register_benchmarks(&cfg, why, sizeof why);
    assert_string_equal(why, "");
    assert_int_equal(vis.n_slots, n * (1 + VIS_MECH_COUNT));
    assert_int_equal(cbench_registered_count() - before, (size_t)vis.n_slots);
    for (int k = 0; k < 1 + VIS_MECH_COUNT; k++)
        for (int i = 0; i < n; i++) {
            const vis_slot *s = &vis.slots[k * n + i];
            assert_int_equal(s->mech, k == 0 ? VIS_OBSERVE : k - 1);
            assert_int_equal(s->pair.cpu_a, want[i].cpu_a);
            assert_int_equal(s->pair.cpu_b, want[i].cpu_b);
            assert_int_equal(s->pair.pair_class, want[i].pair_class);
        }
    bench_family_visibility.finish(&cfg);
    topo_free(t);
}

static void test_distribution_rows(void **state)
{
    (void)state;
    output_tables_reset();
    double sorted[200];
    for (int i = 0; i < 200; i++)
        sorted[i] = i + 1;
    topo_pair p = {0, 1, TOPO_PAIR_LLC};
    vis_distribution_rows("futex", &p, 0, sorted, 200);
    output_table *t = output_table_get("visibility.csv");
    assert_int_equal(output_table_row_count(t), 104);
    assert_string_equal(output_table_cell(t, 0, "mechanism"), "futex");
    assert_string_equal(output_table_cell(t, 0, "latency_ns"), "1");
    assert_string_equal(output_table_cell(t, 50, "latency_ns"), "100.5");   /* linear: position 0.5 * 199 */
    assert_string_equal(output_table_cell(t, 103, "quantile"), "1");
    assert_string_equal(output_table_cell(t, 103, "latency_ns"), "200");
    assert_string_equal(output_table_cell(t, 103, "pair_class"), "llc");
    output_tables_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_mechanism_delivers_pingpong),
        cmocka_unit_test(test_every_mechanism_delivers_stream),
        cmocka_unit_test(test_mechanism_table),
        cmocka_unit_test(test_receiver_catches_stale_and_disorder),
        cmocka_unit_test(test_verify_rejects_stale_through_happens_before),
        cmocka_unit_test(test_store_to_load_sees_every_store),
        cmocka_unit_test(test_store_to_load_both_directions),
        cmocka_unit_test(test_pairs_are_the_representative_pairs),
        cmocka_unit_test(test_distribution_rows),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
