//! Emitting one ctxtrace entry as a `tracing` event.

use std::array;
use std::fmt;

use ctxtrace::SpanIds;
use tracing_core::field::{Field, Value, display};
use tracing_core::span::Id;
use tracing_core::{Dispatch, Event};

use crate::callsite::{RESERVED, Site};
use crate::fields::{MAX_KEYS, Rendered, Shape, Typed};

/// The most fields an event has.
const MAX_FIELDS: usize = RESERVED.len() + MAX_KEYS;

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
    pub(crate) ids: Option<SpanIds>,
    /// The fields, one per key, for a typed callsite.
    pub(crate) shape: &'a Shape<'a>,
    /// The same fields as one text, for a fixed callsite.
    pub(crate) rendered: Rendered<'a>,
}

/// Sends the event to `dispatch`, at `site`: the one the interner gave for
/// `data.shape`. The caller has checked [`Site::enabled`].
pub(crate) fn emit(dispatch: &Dispatch, site: &'static Site, parent: Parent, data: &EventData<'_>) {
    let meta = site.meta();
    let set = meta.fields();
    let mut names = set.iter();
    let fields: [Option<Field>; MAX_FIELDS] = array::from_fn(|_| names.next());
    let Some(first) = &fields[0] else { return };

    let trace = data.ids.map(|ids| display(ids.trace_id));
    let span = data.ids.map(|ids| display(ids.span_id));
    let reserved: [Option<&dyn Value>; RESERVED.len()] = [
        Some(&data.message),
        data.method.as_ref().map(|m| m as &dyn Value),
        trace.as_ref().map(|v| v as &dyn Value),
        span.as_ref().map(|v| v as &dyn Value),
    ];
    // A typed callsite: then one field per key, as the shape has them.
    let typed = site.is_typed().then(|| {
        let values = data.shape.values();
        let typed: [Option<Typed<'_>>; MAX_KEYS] =
            array::from_fn(|i| values.get(i).map(|v| Typed::new(*v)));
        typed
    });
    // A fixed callsite: then `fields`, all of them in one text.
    let rendered = (!site.is_typed() && !data.rendered.is_empty()).then(|| display(&data.rendered));

    let value = |i: usize| -> Option<&dyn Value> {
        if let Some(reserved) = reserved.get(i) {
            return *reserved;
        }
        let i = i - RESERVED.len();
        match &typed {
            Some(typed) => typed.get(i)?.as_ref().map(Typed::as_value),
            None => rendered
                .as_ref()
                .filter(|_| i == 0)
                .map(|v| v as &dyn Value),
        }
    };
    // Slots past the callsite's fields name its first field with no value,
    // which `tracing` skips.
    let values: [(&Field, Option<&dyn Value>); MAX_FIELDS] = array::from_fn(|i| match &fields[i] {
        Some(field) => (field, value(i)),
        None => (first, None),
    });
    let values = set.value_set(&values);
    let event = match parent {
        Parent::Contextual => Event::new(meta, &values),
        Parent::Explicit(parent) => Event::new_child_of(parent, meta, &values),
    };
    dispatch.event(&event);
}
