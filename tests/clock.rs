//! `SystemClock`: timestamps follow the wall clock when it is stepped, back
//! or forward, while durations come from the monotonic clock. A
//! `ManualClock` stands in for the system's wall clock.

#![cfg(feature = "std")]

use std::thread;
use std::time::{Duration, Instant};

use ctxtrace::{
    Clock, Ctx, JsonLogger, ManualClock, MemoryTracer, NopLogger, NopTracer, SystemClock,
};

/// 2027-01-15T10:00:00Z.
const T0: u64 = 1_800_007_200 * 1_000_000_000;
const HOUR: u64 = 3_600 * 1_000_000_000;
/// How far past the wall clock a timestamp may be: the monotonic time since
/// the last check, on a loaded machine.
const SLACK: u64 = 1_000_000_000;

/// Waits until a `SystemClock` checks the wall clock again: more than a
/// millisecond of monotonic time.
fn past_the_check() {
    let from = Instant::now();
    while from.elapsed() < Duration::from_millis(2) {
        thread::sleep(Duration::from_millis(1));
    }
}

fn assert_near(got: u64, want: u64) {
    assert!(
        (want..want + SLACK).contains(&got),
        "{got} is not just after {want} ({} s off)",
        (got as i128 - want as i128) / 1_000_000_000
    );
}

#[test]
fn a_new_clock_starts_at_its_wall_source() {
    // Runs under miri too.
    let clock = SystemClock::with_wall_source(ManualClock::new(T0));
    assert_near(clock.now(), T0);
    let (now, mono) = clock.now_and_monotonic();
    assert_near(now, T0);
    assert!(clock.monotonic() >= mono);
}

#[test]
#[cfg_attr(miri, ignore)] // waits for real monotonic time to pass
fn timestamps_follow_a_step_back_and_forward_and_monotonic_time_does_not() {
    let wall = ManualClock::new(T0);
    let clock = SystemClock::with_wall_source(wall.clone());
    let mut mono = clock.monotonic();
    assert_near(clock.now(), T0);
    for step_to in [T0 - HOUR, T0 + HOUR, T0] {
        wall.set(step_to);
        past_the_check();
        assert_near(clock.now(), step_to);
        let later = clock.monotonic();
        assert!(later >= mono, "monotonic time went back");
        assert!(later - mono < SLACK, "monotonic time followed the step");
        mono = later;
    }
}

#[test]
#[cfg_attr(miri, ignore)] // waits for real monotonic time to pass
fn a_span_open_across_a_step_lasts_the_time_it_was_open() {
    let wall = ManualClock::new(T0);
    let tracer = MemoryTracer::with_clock(SystemClock::with_wall_source(wall.clone()));
    let ctx = Ctx::new(tracer.clone(), NopLogger);
    for (name, step_to) in [("back", T0 - HOUR), ("forward", T0 + HOUR)] {
        let (_ctx, span) = ctx.start_span(name);
        wall.set(step_to);
        past_the_check();
        drop(span);
        // The next span starts at the stepped time.
        drop(ctx.start_span("after"));
        let spans = tracer.spans();
        let across = spans.iter().rev().find(|s| s.name() == name).unwrap();
        let after = spans.iter().rev().find(|s| s.name() == "after").unwrap();
        let took = across.duration();
        assert!(
            took >= Duration::from_millis(2) && took < Duration::from_secs(1),
            "{name}: {took:?}"
        );
        assert_eq!(
            across.end_unix_nanos() - across.start_unix_nanos(),
            took.as_nanos() as u64
        );
        assert_near(after.start_unix_nanos(), step_to);
        wall.set(T0);
        past_the_check();
    }
}

#[test]
#[cfg_attr(miri, ignore)] // waits for real monotonic time to pass
fn log_lines_show_the_stepped_time() {
    let wall = ManualClock::new(T0);
    let clock = SystemClock::with_wall_source(wall.clone());
    let logger = JsonLogger::with_clock(Vec::new(), clock.clone());
    let ctx = Ctx::new(NopTracer, logger.clone());
    ctxtrace::info!(ctx, "before");
    wall.set(T0 - HOUR);
    past_the_check();
    ctxtrace::info!(ctx, "after the step back");
    wall.set(T0 + HOUR);
    past_the_check();
    ctxtrace::info!(ctx, "after the step forward");
    drop(ctx);
    let out = String::from_utf8(logger.into_writer().unwrap()).unwrap();
    let times: Vec<&str> = out.lines().map(|line| &line[9..28]).collect();
    assert_eq!(
        times,
        [
            "2027-01-15T10:00:00",
            "2027-01-15T09:00:00",
            "2027-01-15T11:00:00"
        ],
        "{out}"
    );
}
