//! Clocks for the memory recorder and the writer loggers: [`Clock`],
//! [`SystemClock`], [`SystemWall`] and [`ManualClock`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::capture::{Capture, Write};

/// A source of timestamps, in nanoseconds since the Unix epoch, and of the
/// monotonic time that durations are measured with.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Clock, ManualClock};
/// use std::time::Duration;
///
/// let clock = ManualClock::new(1_000);
/// clock.advance(Duration::from_nanos(500));
/// assert_eq!(clock.now(), 1_500);
/// assert_eq!(clock.monotonic(), 1_500);
/// ```
pub trait Clock: Clone + Send + Sync + 'static {
    /// The time now, in nanoseconds since the Unix epoch: what timestamps
    /// show.
    ///
    /// # For implementors
    ///
    /// It runs once per log line and span event, and once per span: keep it
    /// cheap. It may jump either way when the system clock is set.
    fn now(&self) -> u64;

    /// Nanoseconds since an origin of the clock's own choosing, on a clock
    /// that is never set: what durations are measured with. The recorder
    /// ends a span at its start time plus the monotonic time it was open.
    ///
    /// # For implementors
    ///
    /// It runs once per span end. The default is [`now`](Clock::now), for
    /// clocks such as [`ManualClock`] whose one time is both; a clock that
    /// goes backwards then gives zero durations, never wrapped ones.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Clock, SystemClock};
    ///
    /// let clock = SystemClock::new();
    /// let (a, b) = (clock.monotonic(), clock.monotonic());
    /// assert!(b >= a);
    /// ```
    #[inline]
    fn monotonic(&self) -> u64 {
        self.now()
    }

    /// [`now`](Clock::now) and [`monotonic`](Clock::monotonic) at once, as a
    /// span's start needs both; a clock that can derive one from the other
    /// reads the time once.
    ///
    /// # For implementors
    ///
    /// The default calls the two methods.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Clock, ManualClock};
    ///
    /// assert_eq!(ManualClock::new(7).now_and_monotonic(), (7, 7));
    /// ```
    #[inline]
    fn now_and_monotonic(&self) -> (u64, u64) {
        (self.now(), self.monotonic())
    }
}

/// How long [`SystemClock`] goes, in monotonic time, before it reads the
/// wall clock again.
const WALL_CHECK_NANOS: u64 = 1_000_000;

/// The smallest change of the wall clock's offset that [`SystemClock`]
/// takes: smaller ones are the jitter of reading two clocks one after the
/// other, not a step.
const WALL_STEP_NANOS: u64 = 100_000;

/// A check whose two monotonic reads are further apart than this (the
/// thread was preempted between them) is not trusted.
const WALL_READ_NANOS: u64 = 20_000;

/// The default clock: timestamps that follow the system's wall clock, and
/// durations from the monotonic [`Instant`].
///
/// Each reading takes the monotonic time and adds the wall clock's offset
/// from it. The offset is read again from the wall clock whenever a
/// millisecond of monotonic time has passed since the last check, so after
/// the system clock is stepped (an NTP correction, a clock set by hand, a
/// resume from suspend), the first timestamp taken a millisecond or more
/// after the last check shows the new time (unless the thread was
/// preempted between that check's clock reads; then the next check, a
/// millisecond later, takes it), and none drift for longer.
/// A busy loop pays for one wall-clock read a millisecond, not one a
/// timestamp. Durations never jump: a span that is open across a step
/// lasts the time it was open.
///
/// Only a change of the offset by more than 0.1 ms counts as a step.
/// Smaller ones are the jitter of reading two clocks one after the other
/// (NTP slews small errors rather than stepping, and slews both clocks
/// alike), and leaving them out keeps timestamps steady: without a step,
/// they never go backwards, and a child span never starts before its
/// parent.
///
/// The wall clock is [`SystemWall`] unless
/// [`with_wall_source`](SystemClock::with_wall_source) gives another, such
/// as a [`ManualClock`] that a test steps.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Clock, SystemClock};
///
/// let clock = SystemClock::new();
/// assert!(clock.now() > 1_600_000_000_000_000_000); // after September 2020
/// let (a, b) = (clock.monotonic(), clock.monotonic());
/// assert!(b >= a);
/// ```
#[derive(Debug)]
pub struct SystemClock<S = SystemWall> {
    origin: Instant,
    /// `origin` as [`RawInstant`] reads it, when reading works on this
    /// platform: then the monotonic time is measured without std's
    /// `Instant` subtraction.
    raw_origin: Option<RawInstant>,
    wall: S,
    /// The wall time minus the monotonic time at the last check, wrapping.
    offset: AtomicU64,
    /// The monotonic time of the last check.
    checked: AtomicU64,
}

impl SystemClock {
    /// A clock on the system's wall clock and [`Instant`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Clock, SystemClock};
    /// use std::time::{SystemTime, UNIX_EPOCH};
    ///
    /// let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64;
    /// let clock = SystemClock::new();
    /// assert!(clock.now() >= before);
    /// ```
    pub fn new() -> Self {
        SystemClock::with_wall_source(SystemWall)
    }
}

impl<S: Clock> SystemClock<S> {
    /// A clock whose timestamps follow `wall` instead of the system's wall
    /// clock, with durations still from [`Instant`]: for a test that steps
    /// the wall clock, with a [`ManualClock`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Clock, ManualClock, SystemClock};
    ///
    /// let wall = ManualClock::new(5_000_000_000);
    /// let clock = SystemClock::with_wall_source(wall.clone());
    /// assert!(clock.now() >= 5_000_000_000);
    /// ```
    pub fn with_wall_source(wall: S) -> Self {
        let origin = Instant::now();
        let offset = wall.now();
        SystemClock {
            origin,
            raw_origin: RawInstant::origin(origin),
            wall,
            offset: AtomicU64::new(offset),
            checked: AtomicU64::new(0),
        }
    }

    /// The wall clock this clock follows.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Clock, ManualClock, SystemClock};
    ///
    /// let clock = SystemClock::with_wall_source(ManualClock::new(9));
    /// assert_eq!(clock.wall_source().now(), 9);
    /// ```
    pub fn wall_source(&self) -> &S {
        &self.wall
    }

    /// The wall time for the monotonic time `mono`, checking the offset
    /// again if it is a millisecond old.
    #[inline]
    fn wall_at(&self, mono: u64) -> u64 {
        let checked = self.checked.load(Ordering::Relaxed);
        if mono.wrapping_sub(checked) < WALL_CHECK_NANOS {
            return mono.wrapping_add(self.offset.load(Ordering::Relaxed));
        }
        self.check(mono)
    }

    #[cold]
    fn check(&self, mono: u64) -> u64 {
        let wall = self.wall.now();
        let after = self.monotonic();
        self.checked.store(after, Ordering::Relaxed);
        let mut offset = self.offset.load(Ordering::Relaxed);
        let measured = wall.wrapping_sub(mono);
        let change = measured.wrapping_sub(offset) as i64;
        let trusted = after.saturating_sub(mono) <= WALL_READ_NANOS;
        if trusted && change.unsigned_abs() > WALL_STEP_NANOS {
            offset = measured;
            self.offset.store(offset, Ordering::Relaxed);
        }
        mono.wrapping_add(offset)
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl<S: Clone> Clone for SystemClock<S> {
    fn clone(&self) -> Self {
        SystemClock {
            origin: self.origin,
            raw_origin: self.raw_origin,
            wall: self.wall.clone(),
            offset: AtomicU64::new(self.offset.load(Ordering::Relaxed)),
            checked: AtomicU64::new(self.checked.load(Ordering::Relaxed)),
        }
    }
}

impl<S> SystemClock<S> {
    /// The monotonic time through std's `elapsed`, where [`RawInstant`]
    /// cannot read an `Instant`: out of line, so that the usual path stays
    /// small enough to inline where lines and spans read the clock.
    #[cold]
    #[inline(never)]
    fn elapsed(&self) -> u64 {
        saturating_nanos(self.origin.elapsed())
    }
}

impl<S: Clock> Clock for SystemClock<S> {
    #[inline]
    fn now(&self) -> u64 {
        self.wall_at(self.monotonic())
    }

    #[inline]
    fn monotonic(&self) -> u64 {
        match self.raw_origin {
            Some(origin) => RawInstant::of(Instant::now()).nanos_since(origin),
            None => self.elapsed(),
        }
    }

    #[inline]
    fn now_and_monotonic(&self) -> (u64, u64) {
        let mono = self.monotonic();
        (self.wall_at(mono), mono)
    }
}

/// An [`Instant`] as the seconds and nanoseconds that its `Hash` writes.
///
/// `Instant` has no accessor for its value, and measuring it against an
/// origin (`elapsed`) goes through std's checked subtraction of two
/// timespecs and an `Option`, which cost more than the clock read itself
/// on the paths that read the clock for every span. Its `Hash` writes the
/// value as one `u64` of seconds and one `u32` of nanoseconds (a `timespec`
/// on Unix, a `Duration` elsewhere), which a capturing hasher reads, as
/// the memory recorder reads a thread's number from `ThreadId`.
///
/// That shape is std's, not a promise: [`origin`](RawInstant::origin)
/// checks it once, on instants a known distance apart, and a clock whose
/// check fails measures with `elapsed` as before. Either way the same
/// nanoseconds come out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct RawInstant {
    /// The seconds as written; on Unix a signed count, so differences are
    /// taken wrapping and read as signed.
    secs: u64,
    nanos: u32,
}

impl RawInstant {
    /// The instant's seconds and nanoseconds, as its `Hash` writes them.
    #[inline]
    fn of(instant: Instant) -> RawInstant {
        RawInstant::from_capture(Capture::of(&instant))
    }

    #[inline]
    fn from_capture(capture: Capture) -> RawInstant {
        RawInstant {
            secs: capture.u64,
            nanos: capture.u32,
        }
    }

    /// `origin` read raw, if its `Hash` has the shape that [`of`](Self::of)
    /// reads: exactly a `u64` then a `u32` below a second (which
    /// [`nanos_since`](Self::nanos_since) relies on), which give the right
    /// distance to instants a known duration later, across a carry of the
    /// nanoseconds too.
    fn origin(origin: Instant) -> Option<RawInstant> {
        let capture = Capture::of(&origin);
        if capture.writes != [Write::U64, Write::U32] {
            return None;
        }
        let raw = RawInstant::from_capture(capture);
        if raw.nanos >= 1_000_000_000 {
            return None;
        }
        let distances = [
            1,
            999_999_999,
            1_000_000_000,
            1_500_000_001,
            86_400_000_000_007,
        ];
        distances
            .iter()
            .all(|&nanos| {
                origin
                    .checked_add(Duration::from_nanos(nanos))
                    .is_some_and(|later| RawInstant::of(later).nanos_since(raw) == nanos)
            })
            .then_some(raw)
    }

    /// The nanoseconds from `origin` to this instant, as
    /// `saturating_nanos(self.duration_since(origin))` gives them: zero
    /// when this instant is the earlier one. `origin`'s nanoseconds are
    /// below a second, as [`origin`](Self::origin) checks.
    #[inline]
    fn nanos_since(self, origin: RawInstant) -> u64 {
        let secs = self.secs.wrapping_sub(origin.secs) as i64;
        let (nanos, origin_nanos) = (u64::from(self.nanos), u64::from(origin.nanos));
        // In 64 bits, without the 128-bit multiply, which costs more than
        // the rest of the read: nanoseconds are below a second, so with a
        // second or more between the two, `secs - 1` whole seconds and a
        // positive remainder below two seconds make the difference.
        const SECOND: u64 = 1_000_000_000;
        match u64::try_from(secs) {
            Err(_) => 0,
            Ok(0) => nanos.saturating_sub(origin_nanos),
            Ok(secs) => (secs - 1)
                .checked_mul(SECOND)
                .and_then(|n| n.checked_add(SECOND - origin_nanos + nanos))
                .unwrap_or(u64::MAX),
        }
    }
}

/// The system's wall clock alone ([`SystemTime`]), read at every call: the
/// wall source of [`SystemClock`]. Used as a [`Clock`] by itself, its
/// durations move when the system clock is set; [`SystemClock`] measures
/// them with [`Instant`] instead.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Clock, SystemWall};
///
/// assert!(SystemWall.now() > 1_600_000_000_000_000_000);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemWall;

impl Clock for SystemWall {
    /// Zero before 1970.
    #[inline]
    fn now(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, saturating_nanos)
    }
}

fn saturating_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// A clock that moves only when told, for tests that assert exact times and
/// durations. Clones share one time.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, ManualClock, MemoryTracer, NopLogger};
/// use std::time::Duration;
///
/// let clock = ManualClock::new(0);
/// let tracer = MemoryTracer::with_clock(clock.clone());
/// let (_ctx, span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync");
/// clock.advance(Duration::from_millis(3));
/// drop(span);
/// assert_eq!(tracer.spans().find("sync").unwrap().duration(), Duration::from_millis(3));
/// ```
#[derive(Clone, Debug, Default)]
pub struct ManualClock {
    nanos: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock that reads `unix_nanos` until it is moved.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Clock, ManualClock};
    ///
    /// let clock = ManualClock::new(42);
    /// assert_eq!((clock.now(), clock.now()), (42, 42));
    /// ```
    pub fn new(unix_nanos: u64) -> Self {
        ManualClock {
            nanos: Arc::new(AtomicU64::new(unix_nanos)),
        }
    }

    /// Sets the time, forwards or backwards. Clones see the new time too.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Clock, ManualClock};
    ///
    /// let clock = ManualClock::new(1_000);
    /// let shared = clock.clone();
    /// clock.set(10);
    /// assert_eq!(shared.now(), 10);
    /// ```
    pub fn set(&self, unix_nanos: u64) {
        self.nanos.store(unix_nanos, Ordering::SeqCst);
    }

    /// Moves the time forwards, saturating at `u64::MAX`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Clock, ManualClock};
    /// use std::time::Duration;
    ///
    /// let clock = ManualClock::new(u64::MAX - 1);
    /// clock.advance(Duration::from_secs(1));
    /// assert_eq!(clock.now(), u64::MAX);
    /// ```
    pub fn advance(&self, by: Duration) {
        let by = saturating_nanos(by);
        let _ = self
            .nanos
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                Some(n.saturating_add(by))
            });
    }
}

impl Clock for ManualClock {
    #[inline]
    fn now(&self) -> u64 {
        self.nanos.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_instants_measure_as_elapsed_does() {
        let origin = Instant::now();
        let raw = RawInstant::origin(origin);
        #[cfg(any(unix, windows))]
        assert!(raw.is_some(), "std's Instant hashes as RawInstant reads it");
        let Some(raw) = raw else { return };
        for nanos in [0, 1, 999_999_999, 1_000_000_001, 123_456_789_012] {
            let later = origin + Duration::from_nanos(nanos);
            assert_eq!(RawInstant::of(later).nanos_since(raw), nanos);
            // Earlier than the origin: zero, as `duration_since` saturates.
            if let Some(earlier) = origin.checked_sub(Duration::from_nanos(nanos)) {
                assert_eq!(RawInstant::of(earlier).nanos_since(raw), 0);
            }
        }
        let now = Instant::now();
        let expected = saturating_nanos(now.duration_since(origin));
        assert_eq!(RawInstant::of(now).nanos_since(raw), expected);
    }

    #[test]
    fn nanos_since_is_the_exact_difference_saturated() {
        // The difference in 128 bits, clamped to `u64`.
        let exact = |at: RawInstant, origin: RawInstant| {
            let secs = at.secs.wrapping_sub(origin.secs) as i64;
            let nanos =
                i128::from(secs) * 1_000_000_000 + i128::from(at.nanos) - i128::from(origin.nanos);
            u64::try_from(nanos.max(0)).unwrap_or(u64::MAX)
        };
        let secs = [
            0,
            1,
            2,
            7,
            18_446_744_073,
            18_446_744_074,
            1 << 63,
            u64::MAX,
        ];
        let nanos = [0, 1, 500_000_000, 709_551_615, 709_551_616, 999_999_999];
        let instants = || {
            secs.iter()
                .flat_map(|&secs| nanos.iter().map(move |&nanos| RawInstant { secs, nanos }))
        };
        for origin in instants() {
            for at in instants() {
                assert_eq!(
                    at.nanos_since(origin),
                    exact(at, origin),
                    "{at:?} since {origin:?}"
                );
            }
        }
    }

    #[test]
    fn a_clock_measures_from_its_origin_either_way() {
        let clock = SystemClock::new();
        let raw = clock.monotonic();
        let elapsed = saturating_nanos(clock.origin.elapsed());
        assert!(raw <= elapsed);
        let fallback = SystemClock {
            raw_origin: None,
            ..clock.clone()
        };
        assert!(fallback.monotonic() >= elapsed);
    }
}
