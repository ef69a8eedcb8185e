#ifndef BALLAST_PREFETCH_H
#define BALLAST_PREFETCH_H
/* Hints that the memory at `address` is about to be read (or written): the processor starts
   bringing its cache line in without waiting for it. A hint changes no result, and an address
   that is not mapped is ignored, so the scaling engine stays pure with it. */
static inline void ballast_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }
static inline void ballast_prefetch_for_writing(const void *address) { __builtin_prefetch(address, 1, 3); }
#endif
