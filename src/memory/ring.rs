//! The ring of finished spans: the newest `capacity`, oldest first.

/// At most `max` items, oldest first. Once full, each new item takes the
/// place of the oldest, which comes back to the caller: one store, where a
/// `VecDeque` would pop the front and push the back.
#[derive(Debug)]
pub(super) struct Ring<T> {
    /// In the order pushed from `head` to the end, then from the start to
    /// `head`.
    items: Vec<T>,
    /// Where the oldest item is once the ring is full; 0 until then.
    head: usize,
    max: usize,
}

impl<T> Ring<T> {
    pub(super) const fn new(max: usize) -> Self {
        Ring {
            items: Vec::new(),
            head: 0,
            max,
        }
    }

    /// The most items it keeps.
    pub(super) fn max(&self) -> usize {
        self.max
    }

    pub(super) fn len(&self) -> usize {
        self.items.len()
    }

    /// The room the items take, in items.
    pub(super) fn allocated(&self) -> usize {
        self.items.capacity()
    }

    /// Adds `item` as the newest. When the ring already holds `max` items,
    /// the oldest is pushed out and returned; with a `max` of 0, `item`
    /// itself is.
    #[inline]
    pub(super) fn push(&mut self, item: T) -> Option<T> {
        let len = self.items.len();
        if len < self.max {
            // Not full: `head` is 0, and the newest goes on the end.
            self.items.push(item);
            return None;
        }
        if len == 0 {
            return Some(item);
        }
        let oldest = std::mem::replace(&mut self.items[self.head], item);
        self.head = if self.head + 1 == len {
            0
        } else {
            self.head + 1
        };
        Some(oldest)
    }

    /// The items, oldest first.
    pub(super) fn iter(&self) -> impl Iterator<Item = &T> {
        let (newer, older) = self.items.split_at(self.head);
        older.iter().chain(newer)
    }

    /// Takes every item out, in no particular order, and leaves the ring
    /// empty.
    pub(super) fn take_all(&mut self) -> std::vec::IntoIter<T> {
        self.head = 0;
        std::mem::take(&mut self.items).into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::Ring;

    fn contents(ring: &Ring<u32>) -> Vec<u32> {
        ring.iter().copied().collect()
    }

    #[test]
    fn keeps_the_newest_oldest_first_and_returns_the_pushed_out() {
        for capacity in 0..6 {
            let mut ring = Ring::new(capacity);
            let mut model = std::collections::VecDeque::new();
            for n in 0..20u32 {
                let out = ring.push(n);
                model.push_back(n);
                let expected = (model.len() > capacity).then(|| model.pop_front().unwrap());
                assert_eq!(out, expected, "capacity {capacity}, push {n}");
                assert_eq!(contents(&ring), Vec::from(model.clone()));
                assert_eq!(ring.len(), model.len());
            }
        }
    }

    #[test]
    fn take_all_gives_every_item_and_empties_the_ring() {
        let mut ring = Ring::new(3);
        for n in 0..7 {
            ring.push(n);
        }
        let mut taken: Vec<_> = ring.take_all().collect();
        taken.sort();
        assert_eq!(taken, [4, 5, 6]);
        assert_eq!(ring.len(), 0);
        ring.push(7);
        ring.push(8);
        assert_eq!(contents(&ring), [7, 8]);
    }
}
