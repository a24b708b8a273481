/*
 * fuzz_cpulist.c — libFuzzer target for topo_parse_cpulist (--cpus, and CPU
 * lists read back from run folders).  Invariants: an accepted list is
 * non-empty and survives format -> parse unchanged; a refused one comes with
 * a message.
 */
#include "fuzzutil.h"
#include "memprobe/topo.h"

static char formatted[1 << 19];   /* "0,2,4,...,65534" fits */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *list = fuzz_string(data, size);
    hwloc_bitmap_t set = hwloc_bitmap_alloc(), again = hwloc_bitmap_alloc();
    char err[512];
    if (topo_parse_cpulist(list, set, err, sizeof err) == 0) {
        FUZZ_CHECK(!hwloc_bitmap_iszero(set), "'%s' accepted as an empty set", list);
        topo_format_cpulist(set, formatted, sizeof formatted);
        FUZZ_CHECK(topo_parse_cpulist(formatted, again, err, sizeof err) == 0, "'%s' refused: %s", formatted, err);
        FUZZ_CHECK(hwloc_bitmap_isequal(set, again), "'%s' -> '%s' changed the set", list, formatted);
    } else {
        FUZZ_CHECK(fuzz_message_ok(err), "'%s' refused without a message", list);
    }
    hwloc_bitmap_free(set);
    hwloc_bitmap_free(again);
    free(list);
    return 0;
}
