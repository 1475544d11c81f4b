//! `&'static str`s made at run time, for keys and span names.

/// Keys and span names are `&'static str`: each distinct string is leaked
/// once and kept in a static table (so that miri sees it as still
/// reachable, not as a leak).
pub fn leak(text: &str) -> &'static str {
    static KEPT: std::sync::Mutex<std::collections::BTreeSet<&'static str>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(&known) = kept.get(text) {
        return known;
    }
    let leaked: &'static str = Box::leak(text.to_owned().into_boxed_str());
    kept.insert(leaked);
    leaked
}
