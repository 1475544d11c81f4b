//! Which fields a writer line carries, by the rule the writers document: a
//! key set on the `Ctx` again replaces its earlier value (and moves to the
//! end), an entry's own field replaces a `Ctx` field with the same key, and
//! when an entry gives a key twice the last value wins, in its place.
//! Keys compare as given, before any escaping or sanitising. Shared by
//! `tests/reliability_*.rs` and the fuzz targets in `fuzz/`.

// Each includer uses its own subset.
#![allow(dead_code)]

/// The fields written after the fixed keys: the `Ctx`'s that survive, then
/// the entry's own, in order.
pub fn written<'k, V: Copy>(ctx: &[(&'k str, V)], entry: &[(&'k str, V)]) -> Vec<(&'k str, V)> {
    let mut kept: Vec<(&'k str, V)> = Vec::new();
    for &(key, value) in ctx {
        kept.retain(|&(k, _)| k != key);
        kept.push((key, value));
    }
    kept.retain(|&(k, _)| !entry.iter().any(|&(e, _)| e == k));
    for (i, &(key, value)) in entry.iter().enumerate() {
        if !entry[i + 1..].iter().any(|&(later, _)| later == key) {
            kept.push((key, value));
        }
    }
    kept
}
