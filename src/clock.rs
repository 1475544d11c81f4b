//! Clocks for the memory recorder and the writer loggers: [`Clock`],
//! [`SystemClock`] and [`ManualClock`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A source of timestamps, in nanoseconds since the Unix epoch.
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
/// ```
pub trait Clock: Clone + Send + Sync + 'static {
    /// The time now, in nanoseconds since the Unix epoch.
    ///
    /// # For implementors
    ///
    /// It runs twice per span: keep it cheap. A clock may go backwards; the
    /// recorder then gives a zero duration, never a wrapped one.
    fn now(&self) -> u64;
}

/// The default clock: a monotonic [`Instant`] added to the wall-clock time
/// read once when the clock is made, so durations never jump with the
/// wall clock and timestamps are still real times.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Clock, SystemClock};
///
/// let clock = SystemClock::new();
/// let (a, b) = (clock.now(), clock.now());
/// assert!(b >= a);
/// assert!(a > 1_600_000_000_000_000_000); // after September 2020
/// ```
#[derive(Clone, Copy, Debug)]
pub struct SystemClock {
    base: Instant,
    base_unix_nanos: u64,
}

impl SystemClock {
    /// A clock anchored to the wall-clock time now.
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
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        SystemClock {
            base: Instant::now(),
            base_unix_nanos: saturating_nanos(since_epoch),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    #[inline]
    fn now(&self) -> u64 {
        self.base_unix_nanos
            .saturating_add(saturating_nanos(self.base.elapsed()))
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
