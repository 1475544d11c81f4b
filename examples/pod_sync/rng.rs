//! Deterministic pseudo-random numbers: the same seed always gives the same run.

/// xorshift64*, seeded from a few numbers: the same seed always gives the
/// same sequence, and no `rand` crate is needed.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: &[u64]) -> Rng {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for &n in seed {
            state = (state ^ n).wrapping_mul(0xff51_afd7_ed55_8ccd);
            state ^= state >> 33;
        }
        Rng(state | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number from 0 to 99.
    pub(crate) fn percent(&mut self) -> u64 {
        self.next() % 100
    }

    /// A random-looking pod uid, in the shape of a UUID.
    pub(crate) fn uuid(&mut self) -> String {
        let (a, b) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xffff,
            b >> 48,
            b & 0xffff_ffff_ffff
        )
    }
}

/// FNV-1a: a pod key as a seed.
pub(crate) fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
