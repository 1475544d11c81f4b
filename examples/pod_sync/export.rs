//! `--trace-out` and `--folded-out`: the recorded spans as a Trace Event file
//! (a timeline) and as folded stacks (a flame graph), and the one command
//! that turns each into a picture.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::thread::ThreadId;

use ctxtrace::{ChromeTrace, FoldedStacks, Spans};

use crate::options::{Options, Program};

/// A file the run wrote, and how to look at it.
pub(crate) struct Export {
    /// The summary's key: `trace_out` or `folded_out`.
    pub(crate) key: &'static str,
    pub(crate) path: PathBuf,
    /// The one command, or the one step, that makes a picture of it.
    pub(crate) view: String,
}

/// Writes the files `opts` asks for from `spans`, naming the tracks of
/// `threads`.
///
/// # Errors
///
/// A message for the user when a file cannot be written.
pub(crate) fn write(
    program: &Program,
    opts: &Options,
    spans: &Spans,
    threads: &[(ThreadId, String)],
) -> Result<Vec<Export>, String> {
    let mut exports = Vec::new();
    if let Some(path) = &opts.trace_out {
        let mut trace = ChromeTrace::new(spans).with_process_name(program.name);
        for (id, name) in threads {
            if let Some(number) = thread_number(*id) {
                trace = trace.with_thread_name(number, name.as_str());
            }
        }
        write_file(path, |out| trace.write_to(out))?;
        exports.push(Export {
            key: "trace_out",
            path: path.clone(),
            view: format!(
                "open {} in https://ui.perfetto.dev or https://www.speedscope.app",
                path.display()
            ),
        });
    }
    if let Some(path) = &opts.folded_out {
        write_file(path, |out| FoldedStacks::new(spans).write_to(out))?;
        let svg = path.with_extension("svg");
        exports.push(Export {
            key: "folded_out",
            path: path.clone(),
            view: format!(
                "inferno-flamegraph < {} > {}   (cargo install inferno)",
                path.display(),
                svg.display()
            ),
        });
    }
    Ok(exports)
}

fn write_file(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    let mut out = BufWriter::with_capacity(1 << 16, File::create(path).map_err(fail)?);
    write(&mut out).map_err(fail)?;
    out.flush().map_err(fail)
}

/// The number `SpanRecord::thread` gives the thread: the `N` of its
/// `ThreadId(N)`.
fn thread_number(id: ThreadId) -> Option<u64> {
    format!("{id:?}")
        .strip_prefix("ThreadId(")?
        .strip_suffix(')')?
        .parse()
        .ok()
}
