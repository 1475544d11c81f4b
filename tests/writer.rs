//! What `JsonLogger` and `TextLogger` share: whole lines from many threads,
//! I/O errors counted and never returned, the broken-line newline rule, the
//! runtime level, the time option, clones sharing one writer, `flush`, and a
//! panicking `Display` that leaves no half line and no poisoned logger.
//!
//! Every test runs against both loggers (see `writer_tests!` at the bottom).
#![cfg(feature = "std")]

mod support;

use std::io::{self, Write};

use support::{Capture, json_members, json_string, logfmt};

/// 2026-11-24T10:00:00.123456789Z
const NOV_24: u64 = 1_795_514_400_123_456_789;

/// A JSON line's members, string values decoded and others as written.
fn parse_json(line: &str) -> Vec<(String, String)> {
    json_members(line)
        .into_iter()
        .map(|(k, raw)| {
            if raw.starts_with('"') {
                (k, json_string(&raw))
            } else {
                (k, raw)
            }
        })
        .collect()
}

fn parse_text(line: &str) -> Vec<(String, String)> {
    logfmt(line).unwrap_or_else(|e| panic!("{e}: {line:?}"))
}

fn get<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    &pairs
        .iter()
        .find(|(k, _)| k == key)
        .unwrap_or_else(|| panic!("no {key:?} in {pairs:?}"))
        .1
}

/// A writer that takes at most `max` bytes per call and yields the thread
/// between calls, so that a line written in pieces would interleave with
/// another thread's if the logger did not hold its lock for the whole line.
struct Chunky {
    out: Capture,
    max: usize,
}

impl Write for Chunky {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        std::thread::yield_now();
        let n = buf.len().min(self.max);
        self.out.write(&buf[..n])
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A writer that fails every other call, and on the others takes either the
/// whole buffer or a pseudo-random part of it.
struct Flaky {
    out: Capture,
    calls: u64,
    seed: u64,
}

impl Write for Flaky {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.calls % 2 == 0 {
            return Err(io::Error::other("flaky"));
        }
        // xorshift64
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        let n = if self.seed % 2 == 0 {
            buf.len()
        } else {
            1 + (self.seed / 2 % buf.len() as u64) as usize
        };
        self.out.write(&buf[..n])
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

macro_rules! writer_tests {
    ($module:ident, $Logger:ident, $parse:path) => {
        mod $module {
            use std::io::{self, Write};
            use std::panic::{AssertUnwindSafe, catch_unwind};
            use std::sync::atomic::{AtomicUsize, Ordering};
            use std::thread;

            use ctxtrace::{Ctx, LevelFilter, ManualClock, NopTracer};

            use super::support::{Boom, Capture, Scripted, Step, scaled};
            use super::{Chunky, Flaky, NOV_24, get};

            type Logger<W> = ctxtrace::$Logger<W, ManualClock>;

            /// A logger at every level, without time stamps.
            fn new<W: Write + Send>(writer: W) -> Logger<W> {
                ctxtrace::$Logger::with_clock(writer, ManualClock::new(NOV_24)).without_time()
            }

            fn parse(line: &str) -> Vec<(String, String)> {
                $parse(line)
            }

            /// The line an entry renders as, through a logger of its own.
            fn render(log: impl Fn(&Ctx<NopTracer, Logger<Capture>>)) -> String {
                let capture = Capture::new();
                log(&Ctx::new(NopTracer, new(capture.clone())));
                capture.line()
            }

            fn numbered(ctx: &Ctx<NopTracer, Logger<impl Write + Send>>, i: usize) {
                ctxtrace::info!(ctx, "line {i}"; seq = i, pad = "x".repeat(i % 40));
            }

            #[test]
            fn lines_from_many_threads_are_whole_and_in_order_per_thread() {
                const THREADS: usize = 4;
                let per_thread = scaled(2_000);
                let capture = Capture::new();
                let logger = new(Chunky { out: capture.clone(), max: 7 });
                let root = Ctx::new(NopTracer, logger.clone());
                let handles: Vec<_> = (0..THREADS)
                    .map(|t| {
                        let ctx = root.with_field("thread", t);
                        thread::spawn(move || {
                            for i in 0..per_thread {
                                ctxtrace::info!(ctx, "thread {t} line {i}"; seq = i);
                            }
                        })
                    })
                    .collect();
                for handle in handles {
                    handle.join().unwrap();
                }

                let lines = capture.lines();
                assert_eq!(lines.len(), THREADS * per_thread);
                assert_eq!((logger.lines(), logger.errors()), ((THREADS * per_thread) as u64, 0));
                let mut next = [0usize; THREADS];
                for line in &lines {
                    let pairs = parse(line);
                    let t: usize = get(&pairs, "thread").parse().unwrap();
                    let seq: usize = get(&pairs, "seq").parse().unwrap();
                    assert_eq!(seq, next[t], "thread {t} out of order at {line:?}");
                    assert_eq!(get(&pairs, "msg"), format!("thread {t} line {seq}"));
                    next[t] += 1;
                }
                assert_eq!(next, [per_thread; THREADS]);
            }

            #[test]
            fn a_flaky_writer_counts_errors_and_every_counted_line_is_whole() {
                for seed in [0x9e37_79b9_7f4a_7c15_u64, 1, 0xdead_beef] {
                    let capture = Capture::new();
                    let logger = new(Flaky { out: capture.clone(), calls: 0, seed });
                    let ctx = Ctx::new(NopTracer, logger.clone());
                    let n = scaled(2_000);
                    let mut counted = Vec::new();
                    for i in 0..n {
                        let before = (logger.lines(), logger.errors(), capture.bytes());
                        numbered(&ctx, i);
                        let after = capture.bytes();
                        let line = render(|ctx| numbered(ctx, i));

                        // The newline rule: a line starts with a newline exactly when
                        // the output so far ends part-way through a line.
                        let mut whole = Vec::new();
                        if before.2.last().is_some_and(|&b| b != b'\n') {
                            whole.push(b'\n');
                        }
                        whole.extend_from_slice(line.as_bytes());
                        whole.push(b'\n');
                        let written = &after[before.2.len()..];
                        if logger.lines() == before.0 + 1 {
                            assert_eq!(logger.errors(), before.1, "line {i}");
                            assert_eq!(written, &whole[..], "line {i}");
                            counted.push(line);
                        } else {
                            assert_eq!((logger.lines(), logger.errors()), (before.0, before.1 + 1), "line {i}");
                            assert!(whole.starts_with(written) && written.len() < whole.len(), "line {i}");
                        }
                    }
                    assert!(logger.errors() > 0 && logger.lines() > 0, "the writer is flaky, not dead");
                    assert_eq!(logger.errors() + logger.lines(), n as u64);

                    // Read as a whole, the output has every counted line whole, in
                    // order, and no empty line.
                    let text = capture.text();
                    let segments: Vec<&str> = text.split('\n').collect();
                    let (last, complete) = segments.split_last().unwrap();
                    assert!(complete.iter().all(|s| !s.is_empty()), "an empty line in {text:?}");
                    let mut counted = counted.iter().peekable();
                    for segment in complete {
                        if counted.peek().is_some_and(|line| line == segment) {
                            counted.next();
                            parse(segment);
                        }
                    }
                    assert_eq!(counted.next(), None, "a counted line is missing or broken");
                    // Whatever follows the last newline is a fragment of a failed line.
                    assert!(last.is_empty() || logger.errors() > 0);
                }
            }

            #[test]
            fn interrupted_writes_are_retried_and_count_no_error() {
                use io::ErrorKind::Interrupted;
                let writer =
                    Scripted::new([Step::Fail(Interrupted), Step::Accept(3), Step::Fail(Interrupted), Step::Fail(Interrupted)]);
                let logger = new(writer.clone());
                ctxtrace::info!(Ctx::new(NopTracer, logger.clone()), "hello");
                assert_eq!((logger.lines(), logger.errors()), (1, 0));
                assert_eq!(writer.steps_left(), 0);
                assert_eq!(writer.text(), render(|ctx| ctxtrace::info!(ctx, "hello")) + "\n");
            }

            #[test]
            fn would_block_counts_an_error_and_the_next_line_is_written() {
                let writer = Scripted::new([Step::Fail(io::ErrorKind::WouldBlock)]);
                let logger = new(writer.clone());
                let ctx = Ctx::new(NopTracer, logger.clone());
                ctxtrace::info!(ctx, "lost");
                assert_eq!((logger.lines(), logger.errors()), (0, 1));
                assert_eq!(writer.calls(), 1, "WouldBlock is not retried");
                ctxtrace::info!(ctx, "kept");
                assert_eq!((logger.lines(), logger.errors()), (1, 1));
                // Nothing of the failed line reached the writer: no newline first.
                assert_eq!(writer.text(), render(|ctx| ctxtrace::info!(ctx, "kept")) + "\n");
            }

            #[test]
            fn a_writer_that_takes_nothing_counts_an_error() {
                let writer = Scripted::new([Step::Zero, Step::Accept(4), Step::Zero]);
                let logger = new(writer.clone());
                let ctx = Ctx::new(NopTracer, logger.clone());
                ctxtrace::info!(ctx, "zero");
                ctxtrace::info!(ctx, "four then zero");
                ctxtrace::info!(ctx, "kept");
                assert_eq!((logger.lines(), logger.errors()), (1, 2));
                let first = render(|ctx| ctxtrace::info!(ctx, "four then zero"));
                let kept = render(|ctx| ctxtrace::info!(ctx, "kept"));
                assert_eq!(writer.text(), format!("{}\n{kept}\n", &first[..4]));
            }

            #[test]
            fn a_line_that_failed_part_way_is_ended_before_the_next() {
                let writer = Scripted::new([Step::Accept(5), Step::Fail(io::ErrorKind::BrokenPipe)]);
                let logger = new(writer.clone());
                let ctx = Ctx::new(NopTracer, logger.clone());
                ctxtrace::info!(ctx, "broken");
                ctxtrace::info!(ctx, "whole");
                ctxtrace::info!(ctx, "after");
                assert_eq!((logger.lines(), logger.errors()), (2, 1));
                let broken = render(|ctx| ctxtrace::info!(ctx, "broken"));
                let whole = render(|ctx| ctxtrace::info!(ctx, "whole"));
                let after = render(|ctx| ctxtrace::info!(ctx, "after"));
                assert_eq!(writer.text(), format!("{}\n{whole}\n{after}\n", &broken[..5]));
                let lines: Vec<String> = writer.text().lines().map(str::to_owned).collect();
                parse(&lines[1]);
                parse(&lines[2]);
            }

            #[test]
            fn a_failure_right_after_the_mending_newline_leaves_no_empty_line() {
                use io::ErrorKind::Other;
                // Line 1 breaks after 5 bytes; line 2 gets its leading newline out
                // and then fails; line 3 must not add a second newline.
                let writer = Scripted::new([Step::Accept(5), Step::Fail(Other), Step::Accept(1), Step::Fail(Other)]);
                let logger = new(writer.clone());
                let ctx = Ctx::new(NopTracer, logger.clone());
                ctxtrace::info!(ctx, "one");
                ctxtrace::info!(ctx, "two");
                ctxtrace::info!(ctx, "three");
                assert_eq!((logger.lines(), logger.errors()), (1, 2));
                let one = render(|ctx| ctxtrace::info!(ctx, "one"));
                let three = render(|ctx| ctxtrace::info!(ctx, "three"));
                assert_eq!(writer.text(), format!("{}\n{three}\n", &one[..5]));
            }

            #[test]
            fn a_writer_that_claims_too_much_does_not_break_the_logger() {
                let writer = Scripted::new([Step::Overclaim(100)]);
                let logger = new(writer.clone());
                let ctx = Ctx::new(NopTracer, logger.clone());
                ctxtrace::info!(ctx, "a");
                ctxtrace::info!(ctx, "b");
                assert_eq!((logger.lines(), logger.errors()), (2, 0));
                let a = render(|ctx| ctxtrace::info!(ctx, "a"));
                let b = render(|ctx| ctxtrace::info!(ctx, "b"));
                assert_eq!(writer.text(), format!("{a}\n{b}\n"));
            }

            #[test]
            fn lines_and_errors_count_exactly() {
                use io::ErrorKind::{Other, StorageFull};
                let writer = Scripted::new([]);
                let logger = new(writer.clone());
                let ctx = Ctx::new(NopTracer, logger.clone());
                assert_eq!((logger.lines(), logger.errors()), (0, 0));
                for round in 0..5u64 {
                    writer.push([Step::Fail(if round % 2 == 0 { Other } else { StorageFull })]);
                    ctxtrace::warn!(ctx, "fails");
                    ctxtrace::warn!(ctx, "works");
                    ctxtrace::debug!(ctx, "works too");
                    assert_eq!((logger.lines(), logger.errors()), (2 * (round + 1), round + 1));
                }
                // A clone reads the same counters.
                let clone = logger.clone();
                assert_eq!((clone.lines(), clone.errors()), (10, 5));
                assert_eq!(writer.text().lines().count(), 10);
            }

            #[test]
            fn the_runtime_level_filters_and_skips_the_arguments() {
                let capture = Capture::new();
                let logger = new(capture.clone()).with_level(LevelFilter::Warn);
                assert_eq!(logger.level(), LevelFilter::Warn);
                let ctx = Ctx::new(NopTracer, logger.clone());
                let evaluated = AtomicUsize::new(0);
                let arg = || evaluated.fetch_add(1, Ordering::SeqCst);
                ctxtrace::trace!(ctx, "t {}", arg());
                ctxtrace::debug!(ctx, "d {}", arg());
                ctxtrace::info!(ctx, "i"; n = arg());
                assert_eq!(evaluated.load(Ordering::SeqCst), 0);
                ctxtrace::warn!(ctx, "w {}", arg());
                ctxtrace::error!(ctx, "e {}", arg());
                assert_eq!(evaluated.load(Ordering::SeqCst), 2);
                let messages: Vec<String> =
                    capture.lines().iter().map(|l| get(&parse(l), "msg").to_owned()).collect();
                assert_eq!(messages, ["w 0", "e 1"]);
                assert_eq!((logger.lines(), logger.errors()), (2, 0));

                // Off writes nothing; a clone with its own level shares the writer.
                let off = logger.clone().with_level(LevelFilter::Off);
                ctxtrace::error!(Ctx::new(NopTracer, off.clone()), "nothing {}", arg());
                assert_eq!(evaluated.load(Ordering::SeqCst), 2);
                let all = off.with_level(LevelFilter::Trace);
                ctxtrace::trace!(Ctx::new(NopTracer, all), "trace");
                assert_eq!(capture.lines().len(), 3);
                assert_eq!(logger.level(), LevelFilter::Warn);
            }

            #[test]
            fn the_time_comes_first_unless_left_out() {
                let capture = Capture::new();
                let clock = ManualClock::new(NOV_24);
                let timed = ctxtrace::$Logger::with_clock(capture.clone(), clock.clone());
                let untimed = timed.clone().without_time();
                ctxtrace::info!(Ctx::new(NopTracer, timed.clone()), "timed");
                ctxtrace::info!(Ctx::new(NopTracer, untimed), "untimed");
                clock.set(0);
                ctxtrace::info!(Ctx::new(NopTracer, timed), "epoch");
                let lines: Vec<Vec<(String, String)>> = capture.lines().iter().map(|l| parse(l)).collect();
                assert_eq!(lines.len(), 3);
                assert_eq!(lines[0][0], ("time".to_owned(), "2026-11-24T10:00:00.123456789Z".to_owned()));
                assert_eq!(lines[1][0], ("level".to_owned(), "info".to_owned()));
                assert!(lines[1].iter().all(|(k, _)| k != "time"));
                assert_eq!(lines[2][0], ("time".to_owned(), "1970-01-01T00:00:00.000000000Z".to_owned()));
            }

            #[test]
            fn clones_share_one_writer() {
                let capture = Capture::new();
                let a = new(capture.clone());
                let b = a.clone();
                ctxtrace::info!(Ctx::new(NopTracer, a.clone()), "from a");
                ctxtrace::info!(Ctx::new(NopTracer, b.clone()).with_field("k", 1), "from b");
                ctxtrace::info!(Ctx::new(NopTracer, a.clone()), "from a again");
                let messages: Vec<String> =
                    capture.lines().iter().map(|l| get(&parse(l), "msg").to_owned()).collect();
                assert_eq!(messages, ["from a", "from b", "from a again"]);
                assert_eq!((a.lines(), b.lines()), (3, 3));
                // The writer comes back only from the last clone.
                let a = a.into_writer();
                assert!(a.is_none());
                let writer = b.into_writer().expect("the last clone gives the writer back");
                assert_eq!(writer.lines().len(), 3);
            }

            #[test]
            fn flush_reaches_the_writer_and_returns_its_error() {
                let writer = Scripted::new([]);
                let logger = new(writer.clone());
                ctxtrace::info!(Ctx::new(NopTracer, logger.clone()), "x");
                assert_eq!(writer.flushes(), 0, "lines are not flushed one by one");
                logger.flush().unwrap();
                assert_eq!(writer.flushes(), 1);
                writer.fail_flush(true);
                let err = logger.clone().flush().unwrap_err();
                assert_eq!(err.to_string(), "flush failed");
                assert_eq!(writer.flushes(), 2);
                // A flush error is returned and counted.
                assert_eq!((logger.lines(), logger.errors()), (1, 1));
            }

            #[test]
            fn a_panicking_display_writes_no_half_line_and_poisons_nothing() {
                let capture = Capture::new();
                let logger = new(capture.clone());
                let ctx = Ctx::new(NopTracer, logger.clone()).with_field("before", "ok");

                let in_message = catch_unwind(AssertUnwindSafe(|| ctxtrace::info!(ctx, "a {} b", Boom)));
                assert!(in_message.is_err(), "the panic propagates");
                let in_field =
                    catch_unwind(AssertUnwindSafe(|| ctxtrace::error!(ctx, "m"; v = ctxtrace::display(&Boom))));
                assert!(in_field.is_err());
                let in_ctx_field = catch_unwind(AssertUnwindSafe(|| ctx.with_field("v", ctxtrace::display(&Boom))));
                assert!(in_ctx_field.is_err());
                assert_eq!(capture.text(), "", "no half line");
                assert_eq!((logger.lines(), logger.errors()), (0, 0));

                // Another thread logs through the same writer afterwards.
                let other = ctx.clone();
                thread::spawn(move || ctxtrace::info!(other, "next"; n = 1)).join().unwrap();
                ctxtrace::info!(ctx, "and again");
                let lines = capture.lines();
                assert_eq!(lines.len(), 2);
                let pairs = parse(&lines[0]);
                assert_eq!((get(&pairs, "msg"), get(&pairs, "before"), get(&pairs, "n")), ("next", "ok", "1"));
                assert_eq!(get(&parse(&lines[1]), "msg"), "and again");
                assert_eq!((logger.lines(), logger.errors()), (2, 0));
            }

            #[test]
            fn a_huge_line_is_whole_and_the_next_one_too() {
                let capture = Capture::new();
                let logger = new(capture.clone());
                let ctx = Ctx::new(NopTracer, logger.clone());
                let big = "é\"x".repeat(scaled(30_000));
                ctxtrace::info!(ctx, "big"; v = big.as_str());
                ctxtrace::info!(ctx, "small");
                let lines = capture.lines();
                assert_eq!(lines.len(), 2);
                assert_eq!(get(&parse(&lines[0]), "v"), big);
                assert_eq!(get(&parse(&lines[1]), "msg"), "small");
            }
        }
    };
}

writer_tests!(json, JsonLogger, crate::parse_json);
writer_tests!(text, TextLogger, crate::parse_text);
