//! [`Sampled<T>`](Sampled): a parent-based, trace-id-ratio sampler around
//! any tracer, chosen at compile time.

use std::sync::{Arc, Mutex, PoisonError};

use crate::ids::{AtomicIds, seed};
use crate::states::{StateKey, States};
use crate::{
    Level, LevelFilter, Logger, Record, Span, SpanIds, StatusCode, TraceContext, TraceFlags,
    TraceId, TraceParent, TraceState, Tracer, Value,
};
use core::fmt;

/// A tracer that keeps only a share of the traces: `T` records the sampled
/// spans, and the others cost little more than a nop span.
///
/// - **Parent-based.** A child follows its parent's decision, so a trace is
///   kept whole or not at all.
/// - **Trace-id ratio for roots.** A root span's trace id is drawn first and
///   the decision is made from it, as OpenTelemetry's `TraceIdRatioBased`
///   does (the trace id's low 64 bits, shifted right by one, below
///   `ratio × 2^63`). Every process with the same ratio, ctxtrace's or
///   OpenTelemetry's, decides the same for the same trace.
/// - **Remote parents.** A remote parent's `sampled` flag is followed both
///   ways: [`Ctx::with_remote_parent`](crate::Ctx::with_remote_parent) with
///   `sampled` set records the spans under it, without it records none.
/// - **Ids without recording.** An unsampled span still has a trace id and a
///   span id, so the lines logged under it carry them and logs still
///   correlate, and calls made under it send them on with `sampled` cleared
///   (and the `tracestate` it came with). It keeps no attributes, events or
///   status, and `T` never sees it.
///
/// The ids of unsampled spans and of sampled roots come from a generator of
/// the sampler's own, random ([`Ids::Random`](crate::Ids::Random)), seeded
/// per sampler and shared by its clones through one atomic counter: no lock.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, MemoryLogger, MemoryTracer, Sampled};
///
/// let (tracer, logger) = (MemoryTracer::new(), MemoryLogger::new());
/// let ctx = Ctx::new(Sampled::new(tracer.clone(), 0.25), logger.clone());
/// for _ in 0..1_000 {
///     let (ctx, _span) = ctx.start_span("sync_pod");
///     let (ctx, _call) = ctx.start_span("provider.create_pod");
///     ctxtrace::info!(ctx, "created");
/// }
/// // About a quarter of the traces are kept, each whole.
/// let kept = tracer.spans().roots().count();
/// assert!((150..350).contains(&kept), "{kept}");
/// assert_eq!(tracer.spans().len(), 2 * kept);
/// // Every line has ids, sampled or not.
/// assert!(logger.entries().iter().all(|e| e.span_ids().is_some()));
/// ```
#[derive(Debug)]
pub struct Sampled<T: Tracer> {
    // One pointer: a `Ctx` clones its tracer for every span and field, and
    // this makes that clone one reference count, whatever `T` is.
    shared: Arc<Shared<T>>,
}

#[derive(Debug)]
struct Shared<T> {
    inner: T,
    ids: AtomicIds,
    /// Roots whose trace id's low 64 bits, shifted right by one, are below
    /// it are sampled; `u64::MAX` samples all.
    threshold: u64,
    ratio: f64,
    /// The `tracestate` values of unsampled remote parents, which their
    /// references name by key.
    states: Arc<Mutex<States>>,
}

/// Locks a `tracestate` table. Nothing that can panic runs under it.
fn lock(states: &Mutex<States>) -> std::sync::MutexGuard<'_, States> {
    states.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<T: Tracer> Clone for Sampled<T> {
    #[inline]
    fn clone(&self) -> Self {
        Sampled {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T: Tracer> Sampled<T> {
    /// A sampler that keeps about `ratio` of the root spans' traces, and
    /// whatever a sampled parent starts. A ratio of 1 or more keeps every
    /// trace; 0, less, or NaN keeps none, but a remote parent that was
    /// sampled is still followed.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, Sampled};
    ///
    /// let tracer = MemoryTracer::new();
    /// let none = Ctx::new(Sampled::new(tracer.clone(), 0.0), NopLogger);
    /// let all = Ctx::new(Sampled::new(tracer.clone(), 1.0), NopLogger);
    /// drop((none.start_span("dropped"), all.start_span("kept")));
    /// let spans = tracer.spans();
    /// assert_eq!(spans.iter().map(|s| s.name()).collect::<Vec<_>>(), ["kept"]);
    /// ```
    pub fn new(inner: T, ratio: f64) -> Self {
        let shared = Arc::new(Shared {
            inner,
            ids: AtomicIds::new(0),
            threshold: threshold(ratio),
            ratio,
            states: Arc::default(),
        });
        shared.ids.seed(seed(Arc::as_ptr(&shared).addr()));
        Sampled { shared }
    }

    /// The ratio it was made with.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{NopTracer, Sampled};
    ///
    /// assert_eq!(Sampled::new(NopTracer, 0.1).ratio(), 0.1);
    /// ```
    pub fn ratio(&self) -> f64 {
        self.shared.ratio
    }

    /// The tracer that records the sampled spans.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{MemoryTracer, Sampled};
    ///
    /// let sampled = Sampled::new(MemoryTracer::new(), 0.5);
    /// assert!(sampled.inner().spans().is_empty());
    /// ```
    pub fn inner(&self) -> &T {
        &self.shared.inner
    }

    /// How many `tracestate` values of unsampled remote parents were lost:
    /// the sampler keeps them in a table of 4,096 entries, as
    /// [`MemoryTracer::lost_trace_states`](crate::MemoryTracer::lost_trace_states)
    /// describes, so that its span references stay `Copy`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, NopLogger, NopTracer, Sampled, TraceContext};
    ///
    /// let sampler = Sampled::new(NopTracer, 1.0);
    /// let tp = "00-12345678901234567890123456789012-1234567890123456-00";
    /// let remote = TraceContext::from_values(tp, ["congo=t61rcWkgMzE"]).unwrap();
    /// let (ctx, _span) = Ctx::new(&sampler, NopLogger).with_remote_parent(&remote).start_span("a");
    /// assert_eq!(ctx.trace_context().unwrap().state, remote.state);
    /// assert_eq!(sampler.lost_trace_states(), 0);
    /// ```
    pub fn lost_trace_states(&self) -> u64 {
        lock(&self.shared.states).lost()
    }

    /// Whether a root span in the trace `trace_id` is sampled.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{NopTracer, Sampled, TraceId};
    ///
    /// let half = Sampled::new(NopTracer, 0.5);
    /// assert!(half.samples(TraceId(0x7fff_ffff_ffff_fffe)));
    /// assert!(!half.samples(TraceId(0x8000_0000_0000_0000)));
    /// ```
    #[inline]
    pub fn samples(&self, trace_id: TraceId) -> bool {
        // The low 64 bits, as OpenTelemetry takes them.
        ((trace_id.0 as u64) >> 1) < self.shared.threshold
    }
}

/// OpenTelemetry's bound: `ratio × 2^63`, compared with 63 bits of the
/// trace id.
fn threshold(ratio: f64) -> u64 {
    if ratio >= 1.0 {
        u64::MAX
    } else {
        // `max` turns NaN into 0; the cast saturates.
        (ratio.max(0.0) * (1u64 << 63) as f64) as u64
    }
}

/// The [`Tracer::SpanRef`] of [`Sampled`]: "no span", a sampled span of
/// the inner tracer, or the ids of an unsampled span.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, MemoryTracer, NopLogger, Sampled, SampledRef};
///
/// let ctx = Ctx::new(Sampled::new(MemoryTracer::new(), 0.0), NopLogger);
/// assert!(matches!(ctx.span_ref(), SampledRef::Root));
/// let (child, _span) = ctx.start_span("sync");
/// assert!(!child.span_ref().is_sampled());
/// assert_eq!(child.span_ref().unsampled_ids(), child.span_ids());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampledRef<R> {
    /// No span: a span started from it is a root, sampled by its trace id.
    Root,
    /// A sampled span of the inner tracer.
    Sampled(R),
    /// An unsampled span, or a remote parent that was not sampled.
    Unsampled(Unsampled),
}

/// What an unsampled span keeps, and its references carry: its ids, and the
/// flags and `tracestate` that calls made under it send on.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, MemoryTracer, NopLogger, Sampled, SampledRef, TraceFlags};
///
/// let ctx = Ctx::new(Sampled::new(MemoryTracer::new(), 0.0), NopLogger);
/// let (child, _span) = ctx.start_span("sync");
/// let SampledRef::Unsampled(unsampled) = child.span_ref() else { unreachable!() };
/// assert_eq!(Some(unsampled.ids()), child.span_ids());
/// // A trace id the sampler drew: random, and not sampled.
/// assert_eq!(unsampled.flags(), TraceFlags::RANDOM);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unsampled {
    ids: SpanIds,
    /// Never with `sampled`.
    flags: TraceFlags,
    /// Its `tracestate`, kept by the sampler: plain data, so that a
    /// reference is `Copy` and costs a copy of its bytes.
    state: StateKey,
}

impl Unsampled {
    /// The span's ids: for a remote parent, the remote span's.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, NopLogger, NopTracer, Sampled, SampledRef, TraceContext, TraceParent};
    ///
    /// let tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
    /// let remote = TraceContext::new(TraceParent::parse(tp).unwrap());
    /// let ctx = Ctx::new(Sampled::new(NopTracer, 1.0), NopLogger).with_remote_parent(&remote);
    /// let SampledRef::Unsampled(unsampled) = ctx.span_ref() else { unreachable!() };
    /// assert_eq!(unsampled.ids().span_id, remote.parent.parent_id);
    /// ```
    pub fn ids(&self) -> SpanIds {
        self.ids
    }

    /// The trace flags calls made under the span send: `sampled` cleared,
    /// the others as the trace had them.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, NopLogger, NopTracer, Sampled, SampledRef, TraceFlags};
    ///
    /// let (ctx, _span) = Ctx::new(Sampled::new(NopTracer, 0.0), NopLogger).start_span("a");
    /// let SampledRef::Unsampled(unsampled) = ctx.span_ref() else { unreachable!() };
    /// assert!(!unsampled.flags().is_sampled());
    /// ```
    pub fn flags(&self) -> TraceFlags {
        self.flags
    }

    /// The context a call made under the span sends; its `tracestate`
    /// from `states`.
    fn context(&self, states: &Mutex<States>) -> TraceContext {
        TraceContext {
            parent: TraceParent {
                trace_id: self.ids.trace_id,
                parent_id: self.ids.span_id,
                flags: self.flags,
            },
            state: if self.state.is_some() {
                lock(states).get(self.state)
            } else {
                TraceState::EMPTY
            },
        }
    }

    /// A child of this span: the same trace, flags and `tracestate`.
    #[inline]
    fn child(&self, span_id: crate::SpanId) -> Unsampled {
        Unsampled {
            ids: SpanIds {
                trace_id: self.ids.trace_id,
                span_id,
            },
            ..*self
        }
    }
}

/// The span of an [`Unsampled`] reference. While it is open, the
/// `tracestate` it carries is kept for it and its references.
#[derive(Debug)]
pub struct UnsampledSpan {
    this: Unsampled,
    /// The table that keeps its `tracestate`, when it has one.
    states: Option<Arc<Mutex<States>>>,
}

impl UnsampledSpan {
    /// A span with no `tracestate`: nothing to keep.
    #[inline]
    fn plain(this: Unsampled) -> Self {
        UnsampledSpan { this, states: None }
    }

    /// A span of `this`, holding its `tracestate` in `states` while open.
    #[inline]
    fn new(this: Unsampled, states: &Arc<Mutex<States>>) -> Self {
        if !this.state.is_some() {
            return UnsampledSpan::plain(this);
        }
        let held = lock(states).hold(this.state).is_some();
        UnsampledSpan {
            // A `tracestate` that is gone already: the child carries none.
            this: if held {
                this
            } else {
                Unsampled {
                    state: StateKey::NONE,
                    ..this
                }
            },
            states: held.then(|| Arc::clone(states)),
        }
    }

    /// The span's ids.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, Sampled, SampledSpan};
    ///
    /// let sampler = Sampled::new(MemoryTracer::new(), 0.0);
    /// let (ctx, span) = Ctx::new(sampler, NopLogger).start_span("a");
    /// let SampledSpan::Unsampled(span) = span else { unreachable!() };
    /// assert_eq!(Some(span.ids()), ctx.span_ids());
    /// ```
    pub fn ids(&self) -> SpanIds {
        self.this.ids
    }
}

impl Drop for UnsampledSpan {
    #[inline]
    fn drop(&mut self) {
        if let Some(states) = &self.states {
            release(states, self.this.state);
        }
    }
}

/// The end of an unsampled span that held a `tracestate`.
#[cold]
fn release(states: &Mutex<States>, key: StateKey) {
    lock(states).release(key);
}

impl<R> Default for SampledRef<R> {
    #[inline]
    fn default() -> Self {
        SampledRef::Root
    }
}

impl<R> SampledRef<R> {
    /// Whether it is a sampled span.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, Sampled};
    ///
    /// let ctx = Ctx::new(Sampled::new(MemoryTracer::new(), 1.0), NopLogger);
    /// let (child, _span) = ctx.start_span("sync");
    /// assert!(child.span_ref().is_sampled());
    /// assert!(!ctx.span_ref().is_sampled());
    /// ```
    #[inline]
    pub fn is_sampled(&self) -> bool {
        matches!(self, SampledRef::Sampled(_))
    }

    /// The ids of an unsampled span; `None` for a sampled one or no span.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, Sampled};
    ///
    /// let ctx = Ctx::new(Sampled::new(MemoryTracer::new(), 1.0), NopLogger);
    /// let (child, _span) = ctx.start_span("sync");
    /// assert_eq!(child.span_ref().unsampled_ids(), None);
    /// ```
    #[inline]
    pub fn unsampled_ids(&self) -> Option<SpanIds> {
        match self {
            SampledRef::Unsampled(unsampled) => Some(unsampled.ids),
            _ => None,
        }
    }
}

/// The span of [`Sampled`]: a span of the inner tracer, or an unsampled span
/// that keeps only its ids.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, MemoryTracer, NopLogger, SampledSpan, Sampled, Span};
///
/// let ctx = Ctx::new(Sampled::new(MemoryTracer::new(), 0.0), NopLogger);
/// let (_ctx, span) = ctx.start_span("sync");
/// assert!(matches!(span, SampledSpan::Unsampled(_)));
/// assert!(!span.is_recording());
/// ```
#[derive(Debug)]
pub enum SampledSpan<S> {
    /// A sampled span, recorded by the inner tracer.
    Sampled(S),
    /// An unsampled span: its ids, and what it sends on.
    Unsampled(UnsampledSpan),
}

impl<T: Tracer> Sampled<T> {
    /// [`Tracer::start_span`] under a sampled parent, at the root, or under
    /// an unsampled parent with a `tracestate`.
    #[inline(never)]
    fn start_other(
        &self,
        parent: &SampledRef<T::SpanRef>,
        name: &'static str,
    ) -> SampledSpan<T::Span> {
        match parent {
            SampledRef::Sampled(parent) => {
                SampledSpan::Sampled(self.shared.inner.start_span(parent, name))
            }
            SampledRef::Unsampled(parent) => SampledSpan::Unsampled(UnsampledSpan::new(
                parent.child(self.shared.ids.span_id()),
                &self.shared.states,
            )),
            SampledRef::Root => self.start_root_in(self.shared.ids.trace_id(), name),
        }
    }
}

impl<T: Tracer> Tracer for Sampled<T> {
    type Span = SampledSpan<T::Span>;
    type SpanRef = SampledRef<T::SpanRef>;
    const ENABLED: bool = T::ENABLED;
    const MAX_EVENT_LEVEL: LevelFilter = T::MAX_EVENT_LEVEL;

    #[inline]
    fn start_span(&self, parent: &Self::SpanRef, name: &'static str) -> Self::Span {
        match parent {
            // The common case of a trace left out, kept small to inline: an
            // id, and the parent's trace.
            SampledRef::Unsampled(parent) if !parent.state.is_some() => SampledSpan::Unsampled(
                UnsampledSpan::plain(parent.child(self.shared.ids.span_id())),
            ),
            _ => self.start_other(parent, name),
        }
    }

    /// A root span in `trace_id`, sampled or not by that id.
    #[inline]
    fn start_root_in(&self, trace_id: TraceId, name: &'static str) -> Self::Span {
        if self.samples(trace_id) {
            SampledSpan::Sampled(self.shared.inner.start_root_in(trace_id, name))
        } else {
            SampledSpan::Unsampled(UnsampledSpan::plain(Unsampled {
                ids: SpanIds {
                    trace_id,
                    span_id: self.shared.ids.span_id(),
                },
                flags: TraceFlags::RANDOM,
                state: StateKey::NONE,
            }))
        }
    }

    /// Only sampled spans take events.
    #[inline]
    fn event_enabled(&self, span: &Self::SpanRef, level: Level) -> bool {
        match span {
            SampledRef::Sampled(span) => self.shared.inner.event_enabled(span, level),
            _ => false,
        }
    }

    #[inline]
    fn add_event<L: Logger>(&self, span: &Self::SpanRef, record: &Record<'_>, context: &L) {
        if let SampledRef::Sampled(span) = span {
            self.shared.inner.add_event(span, record, context);
        }
    }

    #[inline]
    fn in_scope<R>(&self, span: &Self::SpanRef, f: impl FnOnce() -> R) -> R {
        match span {
            SampledRef::Sampled(span) => self.shared.inner.in_scope(span, f),
            _ => f(),
        }
    }

    /// A sampled span's ids are the inner tracer's; an unsampled span's are
    /// its own.
    #[inline]
    fn span_ids(&self, span: &Self::SpanRef) -> Option<SpanIds> {
        match span {
            SampledRef::Sampled(span) => self.shared.inner.span_ids(span),
            SampledRef::Unsampled(unsampled) => Some(unsampled.ids),
            SampledRef::Root => None,
        }
    }

    /// Follows the remote parent's `sampled` flag: set, the inner tracer
    /// continues the trace; clear, the spans under it are unsampled, with
    /// the remote trace id, flags and `tracestate`.
    #[inline]
    fn remote_parent(&self, remote: &TraceContext) -> Self::SpanRef {
        if remote.parent.flags.is_sampled() {
            SampledRef::Sampled(self.shared.inner.remote_parent(remote))
        } else {
            SampledRef::Unsampled(Unsampled {
                ids: SpanIds {
                    trace_id: remote.parent.trace_id,
                    span_id: remote.parent.parent_id,
                },
                flags: remote.parent.flags.known().with_sampled(false),
                state: States::key_for(&remote.state, |state| {
                    lock(&self.shared.states).insert(state)
                }),
            })
        }
    }

    /// A sampled span's context is the inner tracer's, with `sampled` set;
    /// an unsampled span sends its ids with `sampled` cleared.
    #[inline]
    fn trace_context(&self, span: &Self::SpanRef) -> Option<TraceContext> {
        match span {
            SampledRef::Sampled(span) => {
                self.shared.inner.trace_context(span).map(|mut context| {
                    context.parent.flags = context.parent.flags.with_sampled(true);
                    context
                })
            }
            SampledRef::Unsampled(unsampled) => Some(unsampled.context(&self.shared.states)),
            SampledRef::Root => None,
        }
    }
}

impl<S: Span> Span for SampledSpan<S> {
    type Ref = SampledRef<S::Ref>;
    const RECORDING: bool = S::RECORDING;
    const TAKES_SPAN_IDS: bool = S::TAKES_SPAN_IDS;

    #[inline]
    fn is_recording(&self) -> bool {
        match self {
            SampledSpan::Sampled(span) => span.is_recording(),
            SampledSpan::Unsampled(_) => false,
        }
    }

    #[inline]
    fn span_ref(&self) -> Self::Ref {
        match self {
            SampledSpan::Sampled(span) => SampledRef::Sampled(span.span_ref()),
            SampledSpan::Unsampled(unsampled) => SampledRef::Unsampled(unsampled.this),
        }
    }

    #[inline]
    fn set_attribute(&mut self, key: &'static str, value: Value<'_>) {
        if let SampledSpan::Sampled(span) = self {
            span.set_attribute(key, value);
        }
    }

    #[inline]
    fn set_span_ids(&mut self, ids: SpanIds) {
        if let SampledSpan::Sampled(span) = self {
            span.set_span_ids(ids);
        }
    }

    #[inline]
    fn record_status(&mut self, code: StatusCode, message: &dyn fmt::Display) {
        if let SampledSpan::Sampled(span) = self {
            span.record_status(code, message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_follow_opentelemetry() {
        assert_eq!(threshold(0.5), 1 << 62);
        assert_eq!(threshold(0.0), 0);
        assert_eq!(threshold(-3.0), 0);
        assert_eq!(threshold(f64::NAN), 0);
        assert_eq!(threshold(1.0), u64::MAX);
        assert_eq!(threshold(f64::INFINITY), u64::MAX);
    }
}
