//! What a pod sync is, whatever runs it: its limits, its error, and the pod's
//! fields it puts on spans.

use std::error::Error;
use std::fmt;
use std::io;

use ctxtrace::{Ctx, Logger, Span, Tracer};

use crate::api::{Pod, PodStatus};

/// The name of the work queue, written on every line a worker logs.
pub(crate) const QUEUE_NAME: &str = "syncPodsFromKubernetes";

/// How many times a key is requeued after a failed sync before it is
/// dropped. (virtual-kubelet's is 20.)
pub(crate) const MAX_RETRIES: u32 = 5;

/// The status sync runs once every this many rounds, the first round
/// included.
pub(crate) const STATUS_SYNC_EVERY: u64 = 5;

/// Sets the pod's identity on the span and on every later line under it.
pub(crate) fn with_pod<T: Tracer, L: Logger>(
    span: &mut impl Span,
    ctx: &Ctx<T, L>,
    pod: &Pod,
) -> Ctx<T, L> {
    let ctx = span.with_field(ctx, "uid", pod.uid.as_str());
    let ctx = span.with_field(&ctx, "namespace", pod.namespace.as_str());
    span.with_field(&ctx, "name", pod.name.as_str())
}

/// Sets the pod's phase, and its reason if it has one, on the span and on
/// every later line under it.
pub(crate) fn with_status<T: Tracer, L: Logger>(
    span: &mut impl Span,
    ctx: &Ctx<T, L>,
    status: &PodStatus,
) -> Ctx<T, L> {
    let ctx = span.with_field(ctx, "phase", status.phase);
    if status.reason.is_empty() {
        ctx
    } else {
        span.with_field(&ctx, "reason", status.reason)
    }
}

/// A failed step of a sync. The provider's error is its source, and its
/// status code comes from there: `set_status` walks the `source()` chain, so
/// `io::ErrorKind::NotFound` gives `NotFound` and `InvalidInput` gives
/// `InvalidArgument`.
#[derive(Debug)]
pub(crate) struct SyncError {
    step: &'static str,
    source: io::Error,
}

impl SyncError {
    pub(crate) fn new(step: &'static str, source: io::Error) -> SyncError {
        SyncError { step, source }
    }
}

/// The result of a provider call, with an error as a failure of `step`.
pub(crate) fn step<T>(step: &'static str, result: io::Result<T>) -> Result<T, SyncError> {
    result.map_err(|source| SyncError::new(step, source))
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.step, self.source)
    }
}

impl Error for SyncError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.source)
    }
}
