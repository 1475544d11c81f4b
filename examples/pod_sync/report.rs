//! What a run did, counted and read back from the backend, and the summary
//! that prints it.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ctxtrace::{MemoryTracer, SpanRecord, Spans, StatusCode};

use crate::export::Export;
use crate::options::Options;

/// What the controller did, counted by the controller itself, so that the
/// nop backend has a summary too.
#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) syncs: AtomicU64,
    sync_errors: AtomicU64,
    pub(crate) requeues: AtomicU64,
    pub(crate) dropped_keys: AtomicU64,
    pub(crate) status_updates: AtomicU64,
    status_errors: AtomicU64,
    /// Failed syncs and status updates, by status code.
    errors: [AtomicU64; StatusCode::ALL.len()],
}

impl Stats {
    pub(crate) fn sync_error(&self, code: StatusCode) {
        self.sync_errors.fetch_add(1, Ordering::Relaxed);
        self.errors[code as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn status_error(&self, code: StatusCode) {
        self.status_errors.fetch_add(1, Ordering::Relaxed);
        self.errors[code as usize].fetch_add(1, Ordering::Relaxed);
    }
}

/// What the controller reports when a run ends.
pub(crate) struct RunReport {
    pub(crate) rounds: u64,
    pub(crate) elapsed: Duration,
    pub(crate) stats: Stats,
    /// Names for the tracks of a `--trace-out` file, by thread.
    pub(crate) threads: Vec<(std::thread::ThreadId, String)>,
}

/// What the backend recorded, read back after the run.
#[derive(Default)]
pub(crate) struct BackendReport {
    lines: LineReport,
    /// `None` when no tracer records spans.
    spans: Option<SpanReport>,
    /// The files of `--trace-out` and `--folded-out`.
    exports: Vec<Export>,
}

/// The log lines a backend wrote, and where they went.
#[derive(Default)]
pub(crate) struct LineReport {
    pub(crate) written: u64,
    pub(crate) errors: u64,
    /// Lines the non-blocking writer could not write: the queue was full,
    /// or they were still queued when the wait at the end ran out.
    pub(crate) dropped: u64,
    pub(crate) to: LinesTo,
}

/// Where a backend's log lines went.
#[derive(Default)]
pub(crate) enum LinesTo {
    /// The nop logger writes nothing.
    #[default]
    Nowhere,
    Memory,
    Stderr,
    /// A file, with its first few lines to show in the summary.
    File {
        path: PathBuf,
        samples: Vec<String>,
    },
}

struct SpanReport {
    started: u64,
    recorded: usize,
    dropped: u64,
    /// Recorded spans whose status was never set.
    unset: usize,
    /// Recorded spans by status code.
    by_code: [usize; StatusCode::ALL.len()],
    /// The span tree of a failed sync still recorded, if any.
    failed_sync: Option<String>,
}

impl BackendReport {
    /// The report of a backend that wrote `lines` and recorded spans in
    /// `tracer`, and wrote its spans to `exports`.
    pub(crate) fn new(
        lines: LineReport,
        tracer: &MemoryTracer,
        exports: Vec<Export>,
    ) -> BackendReport {
        let spans = tracer.spans();
        let (mut unset, mut by_code) = (0, [0; StatusCode::ALL.len()]);
        for span in &spans {
            match span.status().code() {
                None => unset += 1,
                Some(code) => by_code[code as usize] += 1,
            }
        }
        let failed_sync = failed_sync(&spans).map(|s| spans.render_tree(s));
        let spans = SpanReport {
            started: tracer.started(),
            recorded: spans.len(),
            dropped: tracer.dropped(),
            unset,
            by_code,
            failed_sync,
        };
        BackendReport {
            lines,
            spans: Some(spans),
            exports,
        }
    }
}

/// The failed sync to show: the latest one with a cancelled call, or else
/// the latest failed one.
///
/// Spans are recorded as they end, children before parents, so the latest
/// failed sync is the one whose children are surely still kept.
fn failed_sync(spans: &Spans) -> Option<&SpanRecord> {
    let is_sync = |s: &SpanRecord| s.name() == "handleQueueItem";
    let cancelled = spans
        .iter()
        .rev()
        .filter(|s| s.status().code() == Some(StatusCode::Cancelled))
        .find_map(|s| spans.ancestors(s).find(|s| is_sync(s)));
    cancelled.or_else(|| {
        spans
            .iter()
            .rev()
            .filter(|s| is_sync(s) && s.status().is_error())
            .find(|s| spans.children(s).next().is_some())
    })
}

/// Prints the summary, one `key: value` per line, with the failed sync's
/// span tree and the sample lines indented under their keys.
pub(crate) fn print_summary(
    out: &mut impl Write,
    opts: &Options,
    run: &RunReport,
    backend: &BackendReport,
) -> io::Result<()> {
    let count = |n: &AtomicU64| n.load(Ordering::Relaxed);
    let stats = &run.stats;
    let syncs = count(&stats.syncs);
    writeln!(out, "backend: {}", opts.backend.name())?;
    writeln!(out, "pods: {}", opts.pods)?;
    writeln!(out, "workers: {}", opts.workers)?;
    writeln!(out, "rounds: {}", run.rounds)?;
    writeln!(out, "elapsed_s: {:.3}", run.elapsed.as_secs_f64())?;
    writeln!(out, "syncs: {syncs}")?;
    writeln!(out, "sync_errors: {}", count(&stats.sync_errors))?;
    writeln!(out, "requeues: {}", count(&stats.requeues))?;
    writeln!(out, "dropped_keys: {}", count(&stats.dropped_keys))?;
    writeln!(out, "status_updates: {}", count(&stats.status_updates))?;
    writeln!(out, "status_errors: {}", count(&stats.status_errors))?;
    for code in StatusCode::ALL {
        let n = count(&stats.errors[code as usize]);
        if n > 0 {
            writeln!(out, "errors.{code}: {n}")?;
        }
    }
    let lines = &backend.lines;
    writeln!(out, "lines_written: {}", lines.written)?;
    writeln!(out, "write_errors: {}", lines.errors)?;
    writeln!(out, "lines_dropped: {}", lines.dropped)?;
    let spans = backend.spans.as_ref();
    writeln!(out, "spans_started: {}", spans.map_or(0, |s| s.started))?;
    writeln!(out, "spans_recorded: {}", spans.map_or(0, |s| s.recorded))?;
    writeln!(out, "spans_dropped: {}", spans.map_or(0, |s| s.dropped))?;
    if let Some(spans) = spans {
        // By status: of the recorded spans only, which are the latest.
        if spans.unset > 0 {
            writeln!(out, "spans_recorded.Unset: {}", spans.unset)?;
        }
        for code in StatusCode::ALL {
            let n = spans.by_code[code as usize];
            if n > 0 {
                writeln!(out, "spans_recorded.{code}: {n}")?;
            }
        }
    }
    writeln!(
        out,
        "syncs_per_sec: {:.0}",
        syncs as f64 / run.elapsed.as_secs_f64().max(1e-9)
    )?;
    match spans.map(|s| s.failed_sync.as_deref()) {
        None => writeln!(out, "failed_sync_tree: not recorded")?,
        Some(None) => writeln!(out, "failed_sync_tree: none")?,
        Some(Some(tree)) => {
            writeln!(out, "failed_sync_tree:")?;
            for line in tree.lines() {
                writeln!(out, "    {line}")?;
            }
        }
    }
    for export in &backend.exports {
        writeln!(out, "{}: {}", export.key, export.path.display())?;
        writeln!(out, "{}_view: {}", export.key, export.view)?;
    }
    // Last, so that a run in a terminal ends by saying where its lines are.
    match &lines.to {
        LinesTo::Nowhere => writeln!(out, "lines_to: none")?,
        LinesTo::Memory => writeln!(out, "lines_to: memory")?,
        LinesTo::Stderr => writeln!(out, "lines_to: stderr")?,
        LinesTo::File { path, samples } => {
            writeln!(out, "lines_to: {}", path.display())?;
            writeln!(out, "line_samples:")?;
            for line in samples {
                writeln!(out, "    {line}")?;
            }
        }
    }
    Ok(())
}
