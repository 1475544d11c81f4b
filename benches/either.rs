//! Backends chosen at run time: what `Either<A, B>` costs per call, and what
//! it saves in code size.
//!
//! Groups (all columns of a group in one run):
//!
//! - `either_memory_json`: one sync (a span with 4 fields, one info line, an
//!   ok status; see `common`) into a `MemoryTracer` and a `JsonLogger` to
//!   `io::sink()`, through `Ctx<MemoryTracer, JsonLogger>` (`direct`), and
//!   through the `Ctx` type a program gets from `--trace memory|off` and
//!   `--log json|text|off` with the first choice of each (`either`). Both
//!   use a manual clock and no time in the line, so the columns differ by
//!   the dispatch alone, not by clock noise.
//! - `either_nop`: the same sync with nothing chosen: `Ctx<NopTracer,
//!   NopLogger>` (`direct`, which compiles away) against the flags' `Ctx`
//!   with `off` and `off` (`either`): what the branches on the variants cost
//!   when they lead nowhere, and what moving the other sides' storage costs
//!   (the flags' `Ctx` is 144 bytes, and each `with_field` returns a new
//!   one). `either_of_nops` is `Ctx<Either<NopTracer, NopTracer>,
//!   Either<NopLogger, NopLogger>>`, 2 bytes: the branches alone.
//! - `either_option`: the sync into a `JsonLogger` alone, as
//!   `Ctx<NopTracer, JsonLogger>` (`direct`) and as
//!   `Ctx<NopTracer, Option<JsonLogger>>` with `Some` (`option`).
//!
//! Code size is not a timing: `.ci/either_size.sh` measures it on
//! `examples/either_size.rs`, the same loop chosen from the same flags by
//! nested generic dispatch (6 monomorphised copies) and through `Either`
//! (one), from the symbol sizes `nm` reports. It also counts, under
//! callgrind, the instructions per pod each way, for every pair of flags:
//! the per-call cost that a loaded machine does not blur.

mod common;

use std::hint::black_box;
use std::io::{self, Sink};

use common::{Pod, input};
use criterion::{Criterion, criterion_group, criterion_main};
use ctxtrace::{
    Ctx, Either, JsonLogger, ManualClock, MemoryTracer, NopLogger, NopTracer, TextLogger,
};

type Recorder = MemoryTracer<ManualClock>;
type Json = JsonLogger<Sink, ManualClock>;
type Text = TextLogger<Sink, ManualClock>;

/// The tracer of `--trace memory|off`.
type TraceFlag = Either<Recorder, NopTracer>;
/// The logger of `--log json|text|off`.
type LogFlag = Either<Json, Either<Text, NopLogger>>;

fn recorder() -> Recorder {
    MemoryTracer::with_clock_and_capacity(ManualClock::new(0), common::KEEP)
}

fn json() -> Json {
    JsonLogger::with_clock(io::sink(), ManualClock::new(0)).without_time()
}

fn text() -> Text {
    TextLogger::with_clock(io::sink(), ManualClock::new(0)).without_time()
}

/// The `Ctx` that a program builds from its flags: one type for every choice.
fn ctx_from_flags(trace: &str, log: &str, recorder: &Recorder) -> Ctx<TraceFlag, LogFlag> {
    let tracer = match trace {
        "memory" => Either::Left(recorder.clone()),
        _ => Either::Right(NopTracer),
    };
    let logger = match log {
        "json" => Either::Left(json()),
        "text" => Either::Right(Either::Left(text())),
        _ => Either::Right(Either::Right(NopLogger)),
    };
    Ctx::new(tracer, logger)
}

fn per_call(c: &mut Criterion) {
    let pod = Pod::new();
    let recorder = recorder();

    let mut group = c.benchmark_group("either_memory_json");
    let direct = Ctx::new(recorder.clone(), json());
    group.bench_function("direct", |b| {
        b.iter(|| common::sync_ctxtrace(&direct, input(&pod)))
    });
    let either = ctx_from_flags(black_box("memory"), black_box("json"), &recorder);
    group.bench_function("either", |b| {
        b.iter(|| common::sync_ctxtrace(&either, input(&pod)))
    });
    group.finish();

    let mut group = c.benchmark_group("either_nop");
    let direct = Ctx::new(NopTracer, NopLogger);
    group.bench_function("direct", |b| {
        b.iter(|| common::sync_ctxtrace(&direct, input(&pod)))
    });
    let either = ctx_from_flags(black_box("off"), black_box("off"), &recorder);
    group.bench_function("either", |b| {
        b.iter(|| common::sync_ctxtrace(&either, input(&pod)))
    });
    let nops: Ctx<Either<NopTracer, NopTracer>, Either<NopLogger, NopLogger>> = Ctx::new(
        black_box(Either::Right(NopTracer)),
        black_box(Either::Right(NopLogger)),
    );
    group.bench_function("either_of_nops", |b| {
        b.iter(|| common::sync_ctxtrace(&nops, input(&pod)))
    });
    group.finish();

    let mut group = c.benchmark_group("either_option");
    let direct = Ctx::new(NopTracer, json());
    group.bench_function("direct", |b| {
        b.iter(|| common::sync_ctxtrace(&direct, input(&pod)))
    });
    let option = Ctx::new(NopTracer, black_box(Some(json())));
    group.bench_function("option", |b| {
        b.iter(|| common::sync_ctxtrace(&option, input(&pod)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = per_call
}
criterion_main!(benches);
