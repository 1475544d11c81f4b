//! Recorded spans as text: [`Spans::render`] and [`Spans::render_tree`].

use std::collections::HashMap;
use std::fmt::{self, Write as _};

use super::spans::{SpanRecord, Spans};
use crate::text::is_hidden;
use crate::{SpanId, Status};

/// How deep a tree is rendered; what lies below is one marker line with a
/// count.
const MAX_DEPTH: usize = 256;

impl Spans {
    /// Renders every tree as text: one line a span, `name duration [status]`
    /// then its attributes and, when the span's limits dropped some, a
    /// `(dropped: N attributes, M events)` note; children indented by two
    /// spaces, and events as `- level message fields` lines under their
    /// span.
    ///
    /// **One line each.** In names, keys, values and messages, `\` is
    /// written `\\`, newline, return and tab `\n`, `\r` and `\t`, and every
    /// other control character and every invisible character that could hide
    /// or reorder text (as [`TextLogger`](crate::TextLogger) quotes them)
    /// `\u{XXXX}`, so no value can forge a span or event line.
    ///
    /// **Deep trees.** Spans below 256 levels are not rendered: in their
    /// place one line says how many there are (`… 744 more spans below, not
    /// shown`). Rendering uses no recursion, so no tree can overflow the
    /// stack.
    ///
    /// **Each span once.** Spans are found by their parent's id, and ids can
    /// repeat (a recorder whose counters started again) or loop. A span is
    /// still rendered once, under the first parent that reaches it, and
    /// spans that no root reaches, in a loop of ids, follow the trees, from
    /// the earliest one not yet shown. The time taken grows with the number
    /// of spans, whatever their ids.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, ManualClock, MemoryTracer, NopLogger, Span};
    ///
    /// let clock = ManualClock::new(0);
    /// let tracer = MemoryTracer::with_clock(clock.clone());
    /// let (ctx, mut span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync_pod");
    /// let ctx = span.with_field(&ctx, "pod", "web-1");
    /// ctxtrace::info!(ctx, "pulled\nsync_pod 0ns [ok]"; image = "nginx");
    /// drop(ctx.start_span("create"));
    /// clock.set(3_000);
    /// span.set_status(&Ok::<(), std::io::Error>(()));
    /// drop(span);
    /// assert_eq!(
    ///     tracer.spans().render(),
    ///     "sync_pod 3µs [ok] pod=web-1\n  - info pulled\\nsync_pod 0ns [ok] image=nginx\n  create 0ns [unset]\n"
    /// );
    /// ```
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut children = self.child_index();
        let mut shown = vec![false; self.spans.len()];
        let by_order = self.in_start_order();
        let roots = by_order.iter().filter(|&&i| self.is_root(&self.spans[i]));
        for &root in roots {
            self.render_from(
                &mut out,
                &self.spans[root],
                Some(root),
                &mut children,
                &mut shown,
            );
        }
        // Spans in a loop of ids, which no root reaches.
        for &i in &by_order {
            if !shown[i] {
                self.render_from(&mut out, &self.spans[i], Some(i), &mut children, &mut shown);
            }
        }
        out
    }

    /// Renders the tree below `span`, `span` included, as
    /// [`render`](Spans::render) does.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new();
    /// # let root = Ctx::new(tracer.clone(), NopLogger);
    /// // handle -> sync -> {pull, create}, and a second root, gc
    /// let (ctx, handle) = root.start_span("handle");
    /// let (ctx, sync) = ctx.start_span("sync");
    /// drop((ctx.start_span("pull"), ctx.start_span("create"), sync, handle));
    /// drop(root.start_span("gc"));
    /// let spans = tracer.spans();
    /// let sync = spans.find("sync").unwrap();
    /// assert_eq!(spans.render_tree(sync).lines().count(), 3); // sync, pull, create
    /// assert!(spans.render_tree(sync).starts_with("sync "));
    /// ```
    pub fn render_tree(&self, span: &SpanRecord) -> String {
        let mut out = String::new();
        let mut shown = vec![false; self.spans.len()];
        // `span` is one of these spans, or a record from another snapshot.
        let top = self.spans.iter().position(|s| std::ptr::eq(s, span));
        self.render_from(&mut out, span, top, &mut self.child_index(), &mut shown);
        out
    }

    fn child_index(&self) -> HashMap<SpanId, Vec<usize>> {
        let mut index: HashMap<SpanId, Vec<usize>> = HashMap::new();
        for (i, span) in self.spans.iter().enumerate() {
            if let Some(parent) = span.parent {
                index.entry(parent).or_default().push(i);
            }
        }
        for list in index.values_mut() {
            list.sort_by_key(|&i| self.spans[i].order);
        }
        index
    }

    /// Renders `top` (the span at `top_index`, if it is one of these) and
    /// the spans below it not yet `shown`, depth first with a stack of its
    /// own, and marks them shown.
    ///
    /// Each parent id's list of children is taken out of `children` when it
    /// is first followed, so no list is walked twice: with repeated ids,
    /// the spans of a list go under the first span of that id reached.
    fn render_from(
        &self,
        out: &mut String,
        top: &SpanRecord,
        top_index: Option<usize>,
        children: &mut HashMap<SpanId, Vec<usize>>,
        shown: &mut [bool],
    ) {
        if let Some(i) = top_index {
            shown[i] = true;
        }
        let mut stack = vec![(top, 0)];
        while let Some((span, depth)) = stack.pop() {
            render_span(out, span, depth);
            let Some(mut next) = children.remove(&span.ids.span_id) else {
                continue;
            };
            next.retain(|&i| !shown[i]);
            if next.is_empty() {
                continue;
            }
            if depth == MAX_DEPTH {
                let hidden = self.hide_below(next, children, shown);
                pad(out, depth + 1);
                let _ = writeln!(out, "… {hidden} more spans below, not shown");
                continue;
            }
            for &i in &next {
                shown[i] = true;
            }
            stack.extend(next.iter().rev().map(|&i| (&self.spans[i], depth + 1)));
        }
    }

    /// Counts the spans of `first` and those below them not yet `shown`, and
    /// marks them shown: they are left out below the depth limit, and not
    /// rendered elsewhere either.
    fn hide_below(
        &self,
        first: Vec<usize>,
        children: &mut HashMap<SpanId, Vec<usize>>,
        shown: &mut [bool],
    ) -> usize {
        let mut count = 0;
        let mut stack = first;
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut shown[i], true) {
                continue;
            }
            count += 1;
            if let Some(next) = children.remove(&self.spans[i].ids.span_id) {
                stack.extend(next);
            }
        }
        count
    }
}

fn pad(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

/// One span's line and its events' lines.
fn render_span(out: &mut String, span: &SpanRecord, depth: usize) {
    pad(out, depth);
    let _ = write!(Escaped(out), "{}", span.name());
    let _ = write!(out, " {:?} [", span.duration());
    match span.status() {
        Status::Unset => out.push_str("unset"),
        Status::Ok => out.push_str("ok"),
        error => {
            let _ = write!(Escaped(out), "{error}");
        }
    }
    out.push(']');
    for (key, value) in span.attributes() {
        let _ = write!(Escaped(out), " {key}={value}");
    }
    match (span.dropped_attributes(), span.dropped_events()) {
        (0, 0) => {}
        (a, 0) => {
            let _ = write!(out, " (dropped: {a} attributes)");
        }
        (0, e) => {
            let _ = write!(out, " (dropped: {e} events)");
        }
        (a, e) => {
            let _ = write!(out, " (dropped: {a} attributes, {e} events)");
        }
    }
    out.push('\n');
    for event in span.events() {
        pad(out, depth);
        let _ = write!(out, "  - {} ", event.level());
        let _ = write!(Escaped(out), "{}", event.message());
        for (key, value) in event.fields() {
            let _ = write!(Escaped(out), " {key}={value}");
        }
        out.push('\n');
    }
}

/// Writes text with `\`, control and invisible characters escaped, so it
/// stays on one line and reads back one-to-one.
struct Escaped<'a>(&'a mut String);

impl fmt::Write for Escaped<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut start = 0;
        for (i, c) in s.char_indices() {
            let escape = match c {
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                c if is_hidden(c) => "",
                _ => continue,
            };
            self.0.push_str(&s[start..i]);
            if escape.is_empty() {
                let _ = write!(self.0, "\\u{{{:x}}}", u32::from(c));
            } else {
                self.0.push_str(escape);
            }
            start = i + c.len_utf8();
        }
        self.0.push_str(&s[start..]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(s: &str) -> String {
        let mut out = String::new();
        let _ = write!(Escaped(&mut out), "{s}");
        out
    }

    #[test]
    fn plain_text_is_kept_as_it_is() {
        assert_eq!(escaped("web-1 €🦀 a=b \"q\""), "web-1 €🦀 a=b \"q\"");
    }

    #[test]
    fn line_breaking_and_hidden_characters_are_escaped() {
        assert_eq!(escaped("a\nb\rc\td\\"), r"a\nb\rc\td\\");
        assert_eq!(escaped("\u{1b}[31m\u{7f}\u{85}"), r"\u{1b}[31m\u{7f}\u{85}");
        assert_eq!(
            escaped("x\u{2028}y\u{202e}z\u{200b}"),
            r"x\u{2028}y\u{202e}z\u{200b}"
        );
    }
}
