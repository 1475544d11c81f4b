//! The work queue's bookkeeping: each key queued at most once, and a count of
//! the items being worked on.
//!
//! It never waits: a controller keeps it behind a lock and adds its own way
//! to wait for work and for the queue to drain.

use std::collections::{HashSet, VecDeque};

/// A key to sync, and how many times it has been requeued.
#[derive(Debug)]
pub(crate) struct Item {
    pub(crate) key: String,
    pub(crate) retries: u32,
}

/// The keys between the informer and the workers. A key is queued at most
/// once; the items being worked on are counted, so that the informer can wait
/// for the queue to drain before the status sync.
#[derive(Default)]
pub(crate) struct QueueState {
    items: VecDeque<Item>,
    queued: HashSet<String>,
    in_flight: usize,
    shut_down: bool,
}

impl QueueState {
    /// Queues `item` unless its key is queued already, and returns whether it
    /// was queued.
    pub(crate) fn push(&mut self, item: Item) -> bool {
        let new = self.queued.insert(item.key.clone());
        if new {
            self.items.push_back(item);
        }
        new
    }

    /// The next item, counted as being worked on until [`done`](Self::done).
    pub(crate) fn pop(&mut self) -> Option<Item> {
        let item = self.items.pop_front()?;
        self.queued.remove(&item.key);
        self.in_flight += 1;
        Some(item)
    }

    /// Marks an item from [`pop`](Self::pop) as done, queues `retry`, and
    /// returns whether `retry` was queued.
    pub(crate) fn done(&mut self, retry: Option<Item>) -> bool {
        self.in_flight -= 1;
        retry.is_some_and(|item| self.push(item))
    }

    /// Whether the queue is empty and no item is being worked on.
    pub(crate) fn is_drained(&self) -> bool {
        self.items.is_empty() && self.in_flight == 0
    }

    /// From now on, workers that find the queue empty stop.
    pub(crate) fn shut_down(&mut self) {
        self.shut_down = true;
    }

    pub(crate) fn is_shut_down(&self) -> bool {
        self.shut_down
    }
}
