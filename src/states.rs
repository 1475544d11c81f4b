//! The `tracestate` values that span references name by key: a reference is
//! `Copy`, so it cannot own a `tracestate`, and a `tracestate` is 512 bytes,
//! too big to copy with every `Ctx`. The tracer keeps each one here, and a
//! reference carries a [`StateKey`] of 8 bytes.
//!
//! A trace without a `tracestate`, the common case, never comes here: its
//! key is [`StateKey::NONE`].
//!
//! - An entry is held by every span started under it, and is never reused
//!   while one of them is open.
//! - An entry that no open span holds stays readable until it is reused.
//!   Entries are reused oldest first, and only once the table holds
//!   [`States::CAPACITY`] of them, so a reference whose spans have all ended
//!   (a remote parent that starts no span, say) keeps its `tracestate` until
//!   `CAPACITY` newer remote parents have brought one.
//! - A key whose entry was reused reads as no `tracestate`, and the loss is
//!   counted; so is a `tracestate` that finds every entry held.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::TraceState;

/// Which entry of a [`States`] table a reference names, and which use of
/// it: a reused entry has a new generation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct StateKey {
    /// The entry's index plus one; 0 for no `tracestate`.
    slot: u32,
    generation: u32,
}

impl StateKey {
    /// No `tracestate`.
    pub(crate) const NONE: StateKey = StateKey {
        slot: 0,
        generation: 0,
    };

    /// Whether it names an entry.
    #[inline]
    pub(crate) fn is_some(self) -> bool {
        self.slot != 0
    }
}

/// The table; see the [module](self) documentation.
#[derive(Debug)]
pub(crate) struct States {
    /// [`States::CAPACITY`], but for tests.
    capacity: usize,
    entries: Vec<Entry>,
    /// Entries that no span holds, oldest first, each at most once.
    idle: VecDeque<u32>,
    /// Keys that found their entry reused, and states that found no entry.
    lost: u64,
}

#[derive(Debug)]
struct Entry {
    state: Arc<TraceState>,
    generation: u32,
    /// Open spans started under it.
    held: u32,
    /// In `idle` (perhaps held since it was put there).
    queued: bool,
}

impl Default for States {
    fn default() -> Self {
        States::with_capacity(States::CAPACITY)
    }
}

impl States {
    /// Entries kept before the oldest unheld one is reused: 4,096, about
    /// 2 MiB when full.
    pub(crate) const CAPACITY: usize = 4096;

    /// A table that reuses entries once it holds `capacity`.
    fn with_capacity(capacity: usize) -> Self {
        States {
            capacity,
            entries: Vec::new(),
            idle: VecDeque::new(),
            lost: 0,
        }
    }

    /// Keeps `state` and gives its key: [`StateKey::NONE`] for an empty
    /// one, and when every entry is held by an open span (counted as lost).
    pub(crate) fn insert(&mut self, state: &TraceState) -> StateKey {
        if state.is_empty() {
            return StateKey::NONE;
        }
        if self.entries.len() < self.capacity {
            self.entries.push(Entry {
                state: Arc::new(*state),
                generation: 0,
                held: 0,
                queued: true,
            });
            let index = (self.entries.len() - 1) as u32;
            self.idle.push_back(index);
            return StateKey {
                slot: index + 1,
                generation: 0,
            };
        }
        while let Some(index) = self.idle.pop_front() {
            let entry = &mut self.entries[index as usize];
            entry.queued = false;
            if entry.held != 0 {
                // Held again since it was queued: its release queues it.
                continue;
            }
            entry.generation = entry.generation.wrapping_add(1);
            // A record may still share the old value: give it a new one.
            match Arc::get_mut(&mut entry.state) {
                Some(old) => *old = *state,
                None => entry.state = Arc::new(*state),
            }
            entry.queued = true;
            let generation = entry.generation;
            self.idle.push_back(index);
            return StateKey {
                slot: index + 1,
                generation,
            };
        }
        self.lost += 1;
        StateKey::NONE
    }

    /// The key for `state`: [`StateKey::NONE`] for an empty one, else what
    /// `insert` (an [`insert`](States::insert) under the table's lock)
    /// gives. A trace without a `tracestate`, the common case, takes no
    /// lock.
    pub(crate) fn key_for(
        state: &TraceState,
        insert: impl FnOnce(&TraceState) -> StateKey,
    ) -> StateKey {
        if state.is_empty() {
            StateKey::NONE
        } else {
            insert(state)
        }
    }

    fn entry(&mut self, key: StateKey) -> Option<&mut Entry> {
        let entry = self.entries.get_mut(key.slot.checked_sub(1)? as usize)?;
        (entry.generation == key.generation).then_some(entry)
    }

    /// A span starts under `key`: the entry is held until
    /// [`release`](States::release), and its value is given for the span's
    /// record. `None` for no key, and for a key whose entry was reused
    /// (counted as lost).
    ///
    /// Inlined for the check of the key, which spans without a
    /// `tracestate` stop at; the table is looked up out of line.
    #[inline]
    pub(crate) fn hold(&mut self, key: StateKey) -> Option<Arc<TraceState>> {
        if !key.is_some() {
            return None;
        }
        self.hold_entry(key)
    }

    /// [`hold`](States::hold) for a key that names an entry.
    fn hold_entry(&mut self, key: StateKey) -> Option<Arc<TraceState>> {
        match self.entry(key) {
            Some(entry) => {
                entry.held = entry.held.saturating_add(1);
                Some(Arc::clone(&entry.state))
            }
            None => {
                self.lost += 1;
                None
            }
        }
    }

    /// A span that [`hold`](States::hold) gave a value to has ended.
    pub(crate) fn release(&mut self, key: StateKey) {
        let Some(entry) = self.entry(key) else { return };
        entry.held = entry.held.saturating_sub(1);
        if entry.held == 0 && !entry.queued {
            entry.queued = true;
            let index = key.slot - 1;
            self.idle.push_back(index);
        }
    }

    /// The value `key` names: empty for no key, and for a key whose entry
    /// was reused (counted as lost).
    pub(crate) fn get(&mut self, key: StateKey) -> TraceState {
        if !key.is_some() {
            return TraceState::EMPTY;
        }
        match self.entry(key) {
            Some(entry) => *entry.state,
            None => {
                self.lost += 1;
                TraceState::EMPTY
            }
        }
    }

    /// How many `tracestate` values were lost: see the
    /// [module](self) documentation.
    pub(crate) fn lost(&self) -> u64 {
        self.lost
    }

    /// The entries in use, held or not.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small table, so that the tests run quickly under miri too.
    const CAP: usize = 8;

    fn state(n: usize) -> TraceState {
        TraceState::parse(&format!("k{n}=v{n}")).unwrap()
    }

    #[test]
    fn an_empty_state_takes_no_entry() {
        let mut states = States::with_capacity(CAP);
        assert_eq!(states.insert(&TraceState::EMPTY), StateKey::NONE);
        assert_eq!(states.len(), 0);
        assert_eq!(states.hold(StateKey::NONE), None);
        assert!(states.get(StateKey::NONE).is_empty());
        assert_eq!(states.lost(), 0);
    }

    #[test]
    fn a_held_entry_is_never_reused() {
        let mut states = States::with_capacity(CAP);
        let first = states.insert(&state(0));
        assert_eq!(*states.hold(first).unwrap(), state(0));
        for n in 1..3 * CAP {
            states.insert(&state(n));
        }
        assert_eq!(states.get(first), state(0));
        assert_eq!(states.len(), CAP);
        assert_eq!(states.lost(), 0);
        // Released, it is reused by the next state after the older ones.
        states.release(first);
        for n in 0..CAP {
            states.insert(&state(n));
        }
        assert!(states.get(first).is_empty());
        assert_eq!(states.lost(), 1);
    }

    #[test]
    fn an_unheld_entry_lasts_capacity_inserts() {
        let mut states = States::with_capacity(CAP);
        let key = states.insert(&state(7));
        for n in 1..CAP {
            states.insert(&state(n));
        }
        assert_eq!(states.get(key), state(7));
        states.insert(&state(0));
        assert!(states.get(key).is_empty());
        assert_eq!(states.hold(key), None);
        assert_eq!(states.lost(), 2);
    }

    #[test]
    fn a_full_table_of_held_entries_counts_the_loss() {
        let mut states = States::with_capacity(CAP);
        for n in 0..CAP {
            let key = states.insert(&state(n));
            states.hold(key);
        }
        assert_eq!(states.insert(&state(1)), StateKey::NONE);
        assert_eq!(states.lost(), 1);
        assert_eq!(states.len(), CAP);
    }

    #[test]
    fn holding_and_releasing_queues_an_entry_once() {
        let mut states = States::with_capacity(CAP);
        let key = states.insert(&state(1));
        for _ in 0..1_000 {
            states.hold(key);
            states.release(key);
        }
        assert!(states.idle.len() <= CAP);
        assert_eq!(states.idle.len(), 1);
    }

    #[test]
    fn a_record_keeps_its_value_when_the_entry_is_reused() {
        let mut states = States::with_capacity(CAP);
        let key = states.insert(&state(1));
        let kept = states.hold(key).unwrap();
        states.release(key);
        for n in 0..CAP {
            states.insert(&state(n + 10));
        }
        assert_eq!(*kept, state(1));
    }

    #[test]
    fn a_forged_key_reads_as_nothing() {
        let mut states = States::with_capacity(CAP);
        let key = StateKey {
            slot: u32::MAX,
            generation: 3,
        };
        assert!(states.get(key).is_empty());
        assert_eq!(states.hold(key), None);
        states.release(key);
    }
}
