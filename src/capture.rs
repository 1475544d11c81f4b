//! [`Capture`]: a hasher that keeps what a value's `Hash` writes, to read
//! std types whose value has no accessor (a thread's number, an
//! `Instant`'s seconds and nanoseconds).

use std::hash::{Hash, Hasher};

/// What a [`Capture`] was given, in order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Write {
    #[default]
    None,
    U64,
    U32,
    /// Any other write, and any write past the first two.
    Other,
}

/// The `u64` and the `u32` that a value's `Hash` wrote, with the shape of
/// its first two writes, for the reader to check against the shape it
/// expects: std's `Hash` impls are its own, not a promise.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Capture {
    /// The last `u64` written; bytes written as bytes are folded into it.
    pub(crate) u64: u64,
    /// The last `u32` written.
    pub(crate) u32: u32,
    /// The first two writes, or `Other` twice after more.
    pub(crate) writes: [Write; 2],
    count: usize,
}

impl Capture {
    /// What `value`'s `Hash` writes.
    #[inline]
    pub(crate) fn of(value: &impl Hash) -> Capture {
        let mut capture = Capture::default();
        value.hash(&mut capture);
        capture
    }

    #[inline]
    fn wrote(&mut self, write: Write) {
        match self.writes.get_mut(self.count) {
            Some(slot) => *slot = write,
            None => self.writes = [Write::Other; 2],
        }
        self.count += 1;
    }
}

impl Hasher for Capture {
    fn finish(&self) -> u64 {
        self.u64
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.u64 = (self.u64 << 8) | u64::from(b);
        }
        self.wrote(Write::Other);
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.u64 = n;
        self.wrote(Write::U64);
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.u32 = n;
        self.wrote(Write::U32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capture_takes_only_one_u64_then_one_u32() {
        let capture = Capture::of(&(5u64, 7u32));
        assert_eq!((capture.u64, capture.u32), (5, 7));
        assert_eq!(capture.writes, [Write::U64, Write::U32]);
        // Any other shape is told apart, so a reader would fall back.
        let other = [
            Capture::of(&(7u32, 5u64)).writes,
            Capture::of(&(5u64, 7u32, 1u8)).writes,
            Capture::of(&(5u64, 7u64)).writes,
            Capture::of(&5u128).writes,
            Capture::of(&"5.7").writes,
            Capture::of(&5u64).writes,
        ];
        for writes in other {
            assert_ne!(writes, [Write::U64, Write::U32], "{writes:?}");
        }
    }
}
