/*
 * The libyaml-alone baseline of `ballast bench blueprint`: pulls every event of a YAML file with
 * libyaml's parser (no tree, no model), from a buffer in memory, and prints the best time of
 * RUNS runs, wall-clock and CPU: "<wall seconds> <cpu seconds> <events>".
 *
 *   cc -O2 -o bench-out/bench-libyaml scripts/bench-libyaml.c -lyaml
 *   bench-out/bench-libyaml blueprint.yaml [RUNS]
 *
 * scripts/bench builds it; `ballast bench blueprint --libyaml bench-out/bench-libyaml` runs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <yaml.h>

static double seconds_on(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Parses the buffer once; returns the event count, or -1 on a parse error. */
static long parse_once(const unsigned char *bytes, size_t size) {
    yaml_parser_t parser;
    yaml_event_t event;
    long events = 0;
    if (!yaml_parser_initialize(&parser)) return -1;
    yaml_parser_set_input_string(&parser, bytes, size);
    for (;;) {
        if (!yaml_parser_parse(&parser, &event)) {
            fprintf(stderr, "libyaml: %s at line %lu\n", parser.problem ? parser.problem : "error",
                    (unsigned long)parser.problem_mark.line + 1);
            yaml_parser_delete(&parser);
            return -1;
        }
        events++;
        int done = event.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&event);
        if (done) break;
    }
    yaml_parser_delete(&parser);
    return events;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [RUNS]\n", argv[0]);
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    if (runs < 1) runs = 1;

    FILE *file = fopen(argv[1], "rb");
    if (!file) {
        perror(argv[1]);
        return 1;
    }
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    unsigned char *bytes = malloc(size > 0 ? (size_t)size : 1);
    if (!bytes || fread(bytes, 1, (size_t)size, file) != (size_t)size) {
        fprintf(stderr, "%s: cannot read\n", argv[1]);
        return 1;
    }
    fclose(file);

    double best = -1, best_cpu = -1;
    long events = 0;
    for (int run = 0; run < runs; run++) {
        double start = seconds_on(CLOCK_MONOTONIC), start_cpu = seconds_on(CLOCK_PROCESS_CPUTIME_ID);
        events = parse_once(bytes, (size_t)size);
        double elapsed = seconds_on(CLOCK_MONOTONIC) - start, cpu = seconds_on(CLOCK_PROCESS_CPUTIME_ID) - start_cpu;
        if (events < 0) return 1;
        if (best < 0 || elapsed < best) best = elapsed;
        if (best_cpu < 0 || cpu < best_cpu) best_cpu = cpu;
    }
    printf("%.6f %.6f %ld\n", best, best_cpu, events);
    free(bytes);
    return 0;
}
