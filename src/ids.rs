//! [`Ids`]: how a tracer makes span and trace ids, and the fast generator
//! behind random ids.
//!
//! Random ids come from SplitMix64: a counter that steps by an odd constant,
//! put through a bijective mixer. Each output is a bijection of the counter,
//! so within 2^64 draws a generator never repeats an id and gives zero once
//! at most, which it skips. It is not cryptographic; W3C Trace Context asks
//! ids to be unique and random enough to sample on, not secret.

#[cfg(feature = "std")]
use core::sync::atomic::{AtomicU64, Ordering};

#[cfg(feature = "std")]
use crate::{SpanId, TraceId};

/// How a tracer makes ids: random for production, or counters for tests.
///
/// [`Random`](Ids::Random) ids follow W3C Trace Context: 128-bit trace ids
/// and 64-bit span ids, never all zero, whose low 56 bits are random (the
/// Level 2 `random` flag). Each tracer seeds its own generator from std's
/// per-process random hasher keys, the time and the address of its shared
/// state, so two tracers made at the same moment, in one process or in two,
/// give different ids. There is no global state.
///
/// [`Sequential`](Ids::Sequential) ids count up from 1 in the order spans
/// start, and so do the trace ids of root spans: a test can assert them.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, Ids, MemoryTracer, NopLogger};
///
/// let tracer = MemoryTracer::new().with_ids(Ids::Sequential);
/// let (ctx, _span) = Ctx::new(tracer, NopLogger).start_span("sync");
/// assert_eq!(ctx.span_ids().unwrap().span_id.0, 1);
/// assert_eq!(Ids::default(), Ids::Random);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Ids {
    /// Random W3C ids, from a generator seeded per tracer. The default.
    #[default]
    Random,
    /// Counters from 1: span ids in the order spans start, trace ids in the
    /// order root spans start.
    Sequential,
}

/// SplitMix64's step: an odd constant near 2^64 / φ.
#[cfg(feature = "std")]
const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

#[cfg(feature = "std")]
/// SplitMix64's mixer, a bijection on `u64`.
#[inline]
pub(crate) const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The random trace id of the generator's step `state`: both halves from
/// that one step, mixed twice. Distinct steps give distinct halves (the mixer
/// is a bijection), and the halves are never both zero (only the steps 0 and
/// `HALVES` mix to zero in one of them).
#[cfg(feature = "std")]
#[inline]
const fn trace_id_at(state: u64) -> TraceId {
    /// Sets the low half's input apart from the high half's.
    const HALVES: u64 = 0x5555_5555_5555_5555;
    TraceId(((mix(state) as u128) << 64) | mix(state ^ HALVES) as u128)
}

/// A seed for one tracer's generator: std's random hasher keys (fresh for
/// each `RandomState`), the wall-clock time, a monotonic instant and
/// `address`, the address of the tracer's shared state.
#[cfg(feature = "std")]
pub(crate) fn seed(address: usize) -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    hasher.write_u128(now.as_nanos());
    hasher.write_usize(address);
    std::time::Instant::now().hash(&mut hasher);
    hasher.finish()
}

#[cfg(feature = "std")]
/// The ids of one tracer, behind the lock the tracer already holds when it
/// starts a span.
#[derive(Clone, Debug)]
pub(crate) struct IdGenerator {
    ids: Ids,
    /// The random generator's counter, or the next sequential span id.
    state: u64,
    /// The next sequential trace id.
    next_trace: u128,
}

#[cfg(feature = "std")]
impl IdGenerator {
    /// A generator of `ids`, seeded with `seed` when they are random.
    pub(crate) const fn new(ids: Ids, seed: u64) -> Self {
        let state = match ids {
            Ids::Random => seed,
            Ids::Sequential => 1,
        };
        IdGenerator {
            ids,
            state,
            next_trace: 1,
        }
    }

    /// Which ids it makes.
    pub(crate) const fn ids(&self) -> Ids {
        self.ids
    }

    /// A random `u64` that is not zero.
    #[inline]
    fn next_random(&mut self) -> u64 {
        loop {
            self.state = self.state.wrapping_add(GAMMA);
            let n = mix(self.state);
            if n != 0 {
                return n;
            }
        }
    }

    /// The next span id: never zero.
    #[inline]
    pub(crate) fn span_id(&mut self) -> SpanId {
        match self.ids {
            Ids::Random => SpanId(self.next_random()),
            Ids::Sequential => {
                let id = self.state;
                // Past u64::MAX spans, wrap to 1, not 0.
                self.state = self.state.checked_add(1).unwrap_or(1);
                SpanId(id)
            }
        }
    }

    /// The next trace id: never zero.
    #[inline]
    pub(crate) fn trace_id(&mut self) -> TraceId {
        match self.ids {
            Ids::Random => {
                self.state = self.state.wrapping_add(GAMMA);
                trace_id_at(self.state)
            }
            Ids::Sequential => {
                let id = self.next_trace;
                self.next_trace = self.next_trace.checked_add(1).unwrap_or(1);
                TraceId(id)
            }
        }
    }
}

#[cfg(feature = "std")]
/// A random generator that clones of a tracer share without a lock: the
/// counter steps with one atomic add.
#[derive(Debug)]
pub(crate) struct AtomicIds(AtomicU64);

#[cfg(feature = "std")]
impl AtomicIds {
    /// A generator seeded with `seed`.
    pub(crate) const fn new(seed: u64) -> Self {
        AtomicIds(AtomicU64::new(seed))
    }

    /// Starts the generator again from `seed`.
    pub(crate) fn seed(&self, seed: u64) {
        self.0.store(seed, Ordering::Relaxed);
    }

    /// A random `u64` that is not zero.
    #[inline]
    fn next(&self) -> u64 {
        loop {
            let state = self
                .0
                .fetch_add(GAMMA, Ordering::Relaxed)
                .wrapping_add(GAMMA);
            let n = mix(state);
            if n != 0 {
                return n;
            }
        }
    }

    /// A random span id: never zero.
    #[inline]
    pub(crate) fn span_id(&self) -> SpanId {
        SpanId(self.next())
    }

    /// A random trace id: never zero, from one step of the counter
    /// ([`trace_id_at`]): one atomic add.
    #[inline]
    pub(crate) fn trace_id(&self) -> TraceId {
        trace_id_at(
            self.0
                .fetch_add(GAMMA, Ordering::Relaxed)
                .wrapping_add(GAMMA),
        )
    }
}

#[cfg(feature = "std")]
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mixer_is_splitmix64() {
        // The first outputs of SplitMix64 seeded with 0, as its reference
        // implementation gives them.
        let mut ids = IdGenerator::new(Ids::Random, 0);
        assert_eq!(ids.span_id().0, 0xe220_a839_7b1d_cdaf);
        assert_eq!(ids.span_id().0, 0x6e78_9e6a_a1b9_65f4);
        assert_eq!(ids.span_id().0, 0x06c4_5d18_8009_454f);
    }

    #[test]
    fn trace_ids_from_one_step_are_unique_and_never_zero() {
        let ids = AtomicIds::new(0);
        let n = if cfg!(miri) { 100 } else { 100_000 };
        let mut seen = std::collections::HashSet::new();
        for _ in 0..n {
            let id = ids.trace_id();
            assert_ne!(id.0, 0);
            assert_ne!(id.0 >> 64, id.0 & u128::from(u64::MAX));
            assert!(seen.insert(id.0));
        }
        // The steps that mix to zero in one half leave the other non-zero.
        for seed in [
            0u64.wrapping_sub(GAMMA),
            0x5555_5555_5555_5555u64.wrapping_sub(GAMMA),
        ] {
            assert_ne!(AtomicIds::new(seed).trace_id().0, 0);
        }
    }

    #[test]
    fn zero_is_skipped() {
        // The one counter whose output is zero: 0 itself (the mixer maps 0
        // to 0). A generator one step before it skips it.
        assert_eq!(mix(0), 0);
        let mut ids = IdGenerator::new(Ids::Random, 0u64.wrapping_sub(GAMMA));
        assert_eq!(ids.span_id().0, mix(GAMMA));
        let atomic = AtomicIds::new(0u64.wrapping_sub(GAMMA));
        assert_eq!(atomic.span_id().0, mix(GAMMA));
    }

    #[test]
    fn sequential_ids_wrap_to_one() {
        let mut ids = IdGenerator::new(Ids::Sequential, 0);
        ids.state = u64::MAX;
        ids.next_trace = u128::MAX;
        assert_eq!((ids.span_id().0, ids.span_id().0), (u64::MAX, 1));
        assert_eq!((ids.trace_id().0, ids.trace_id().0), (u128::MAX, 1));
    }

    #[test]
    fn atomic_and_locked_generators_agree() {
        let mut locked = IdGenerator::new(Ids::Random, 42);
        let atomic = AtomicIds::new(42);
        for _ in 0..10 {
            assert_eq!(locked.span_id(), atomic.span_id());
        }
        assert_eq!(locked.trace_id(), atomic.trace_id());
    }
}
