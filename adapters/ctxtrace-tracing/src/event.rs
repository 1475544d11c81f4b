//! Emitting one ctxtrace entry as a `tracing` event.

use std::fmt;

use ctxtrace::SpanIds;
use tracing_core::field::{Value, display};
use tracing_core::span::Id;
use tracing_core::{Dispatch, Event};

use crate::callsite::Callsite;
use crate::fields::Rendered;

/// Where an event sits in the span tree.
pub(crate) enum Parent {
    /// The subscriber's current span on this thread, as `tracing::info!` does.
    Contextual,
    /// This span, or the root when `None`.
    Explicit(Option<Id>),
}

/// What an event carries.
pub(crate) struct EventData<'a> {
    pub(crate) message: fmt::Arguments<'a>,
    pub(crate) method: Option<&'a str>,
    pub(crate) fields: Rendered<'a>,
    pub(crate) ids: Option<SpanIds>,
}

/// Sends the event to `dispatch`. The caller has checked
/// [`Callsite::enabled`].
pub(crate) fn emit(dispatch: &Dispatch, callsite: Callsite, parent: Parent, data: &EventData<'_>) {
    let meta = callsite.meta;
    let set = meta.fields();
    let mut names = set.iter();
    let (Some(message), Some(method), Some(fields), Some(trace_id), Some(span_id)) = (
        names.next(),
        names.next(),
        names.next(),
        names.next(),
        names.next(),
    ) else {
        return;
    };
    let rendered = (!data.fields.is_empty()).then(|| display(&data.fields));
    let trace = data.ids.map(|ids| display(ids.trace_id));
    let span = data.ids.map(|ids| display(ids.span_id));
    let values: [(&_, Option<&dyn Value>); 5] = [
        (&message, Some(&data.message)),
        (&method, data.method.as_ref().map(|m| m as &dyn Value)),
        (&fields, rendered.as_ref().map(|v| v as &dyn Value)),
        (&trace_id, trace.as_ref().map(|v| v as &dyn Value)),
        (&span_id, span.as_ref().map(|v| v as &dyn Value)),
    ];
    let values = set.value_set(&values);
    let event = match parent {
        Parent::Contextual => Event::new(meta, &values),
        Parent::Explicit(parent) => Event::new_child_of(parent, meta, &values),
    };
    dispatch.event(&event);
}
