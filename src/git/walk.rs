//! The range walk: the commits reachable from some tips but not from others, parents
//! before children, as a compact [`Range`].

use super::range::{MULTI, NONE, Parent, ParentTable, ParentsOut, Range};
use super::{GitError, Reader, parse_commit};
use gix::hash::ObjectId;
use gix::hashtable::hash_table::HashTable;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// How far (seconds) the walk keeps painting hidden history past the oldest wanted commit,
/// for committer clocks that run wrong: a day, where git allows five commits.
const CLOCK_SKEW_SLOP: i64 = 86_400;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// Seen as some commit's parent, not read.
    Unread,
    Wanted,
    Hidden,
}

/// Every commit the walk has seen, by index in the order it saw them.
#[derive(Default)]
struct Seen {
    /// Indices into `ids`, hashed by the id: 4 bytes a commit where a map from ids would
    /// hold each id a second time (24 bytes).
    index: HashTable<u32>,
    ids: Vec<ObjectId>,
    /// Not meaningful until the commit is read.
    trees: Vec<ObjectId>,
    times: Vec<i64>,
    marks: Vec<Mark>,
    /// Indices into `ids`, for commits read.
    parents: ParentTable,
}

/// An object id's hash for the table: its first bytes, which are uniformly distributed
/// already (as gix's own maps use them).
fn hash(id: &ObjectId) -> u64 {
    let bytes = id.as_slice();
    let mut head = [0u8; 8];
    let n = bytes.len().min(8);
    head[..n].copy_from_slice(&bytes[..n]);
    u64::from_ne_bytes(head)
}

impl Seen {
    /// The index of `id`, if it was seen.
    fn find(&self, id: &ObjectId) -> Option<usize> {
        self.index
            .find(hash(id), |&at| self.ids[at as usize] == *id)
            .map(|&at| at as usize)
    }

    /// The index of `id`, seen now if it was not.
    fn add(&mut self, id: ObjectId) -> Result<usize, GitError> {
        if let Some(at) = self.find(&id) {
            return Ok(at);
        }
        let next = u32::try_from(self.ids.len())
            .ok()
            .filter(|n| n & MULTI == 0)
            .ok_or(GitError::TooManyCommits)?;
        self.ids.push(id);
        self.trees.push(id);
        self.times.push(0);
        self.marks.push(Mark::Unread);
        self.parents.head.push(NONE);
        let ids = &self.ids;
        self.index
            .insert_unique(hash(&id), next, |&at| hash(&ids[at as usize]));
        Ok(next as usize)
    }

    /// Reads commit `at`: its tree, time and parents (which are seen from now on).
    fn read(&mut self, reader: &mut Reader, at: usize) -> Result<(), GitError> {
        let info = parse_commit(self.ids[at], &reader.commit_bytes(self.ids[at])?)?;
        let mut parents = Vec::with_capacity(info.parents.len());
        for parent in info.parents {
            parents.push(self.add(parent)? as u32);
        }
        self.trees[at] = info.tree;
        self.times[at] = info.committer_time;
        self.parents.set(at, &parents)
    }

    /// Marks commit `at`, reading it the first time.
    fn mark(&mut self, reader: &mut Reader, at: usize, mark: Mark) -> Result<(), GitError> {
        let unread = self.marks[at] == Mark::Unread;
        self.marks[at] = mark;
        if unread {
            self.read(reader, at)?;
        }
        Ok(())
    }
}

impl Reader {
    /// Commits reachable from `tips` but not from `hidden`, parents before children.
    ///
    /// git's own "paint" walk by committer date: hidden tips spread "uninteresting" to
    /// their ancestors; the walk stops once only uninteresting commits are queued.
    pub fn walk(&mut self, tips: &[ObjectId], hidden: &[ObjectId]) -> Result<Range, GitError> {
        self.walk_where(tips, hidden, |_| true)
    }

    /// [`Reader::walk`], keeping only the commits for which `keep` is true (those left out
    /// are outside parents to the rest): cheaper than walking all and copying a part.
    pub fn walk_where(
        &mut self,
        tips: &[ObjectId],
        hidden: &[ObjectId],
        keep: impl FnMut(&ObjectId) -> bool,
    ) -> Result<Range, GitError> {
        let mut seen = Seen::default();
        // Newest first; equal times by id, as git's queue would not care either.
        let mut queue: BinaryHeap<(i64, ObjectId, u32)> = BinaryHeap::new();
        for (ids, mark) in [(hidden, Mark::Hidden), (tips, Mark::Wanted)] {
            for id in ids {
                let at = seen.add(*id)?;
                if seen.marks[at] == Mark::Hidden {
                    continue;
                }
                seen.mark(self, at, mark)?;
                queue.push((seen.times[at], *id, at as u32));
            }
        }
        let mut wanted_in_queue = tips
            .iter()
            .filter(|id| {
                seen.find(id)
                    .is_some_and(|at| seen.marks[at] == Mark::Wanted)
            })
            .count();
        let mut oldest_wanted = i64::MAX;
        let mut parents = Vec::new();
        while let Some((time, _, at)) = queue.pop() {
            let mark = seen.marks[at as usize];
            if mark == Mark::Wanted {
                wanted_in_queue = wanted_in_queue.saturating_sub(1);
                oldest_wanted = oldest_wanted.min(time);
            }
            parents.clear();
            parents.extend_from_slice(seen.parents.get(at as usize));
            for &parent in &parents {
                let parent = parent as usize;
                let new_mark = match (seen.marks[parent], mark) {
                    (Mark::Hidden, _) => continue,
                    (Mark::Wanted, Mark::Wanted) => continue,
                    (_, m) => m,
                };
                seen.mark(self, parent, new_mark)?;
                if new_mark == Mark::Wanted {
                    wanted_in_queue += 1;
                }
                queue.push((seen.times[parent], seen.ids[parent], parent as u32));
            }
            // Once only hidden commits are queued, keep painting while they are not much
            // older than the oldest wanted commit: a wanted commit dated after its hidden
            // descendant (clock skew) must still be reached and marked hidden.
            if wanted_in_queue == 0
                && queue.peek().is_none_or(|(next, _, _)| {
                    *next < oldest_wanted.saturating_sub(CLOCK_SKEW_SLOP)
                })
            {
                break;
            }
        }
        topological(seen, keep)
    }

    /// Whether `ancestor` is reachable from `descendant` (or is it): then nothing is
    /// reachable from the ancestor that is not also reachable from the descendant.
    pub fn is_ancestor(
        &mut self,
        ancestor: ObjectId,
        descendant: ObjectId,
    ) -> Result<bool, GitError> {
        Ok(self.walk(&[ancestor], &[descendant])?.is_empty())
    }
}

/// Orders the wanted commits that `keep` keeps so that every one comes after its parents
/// in the set.
fn topological(seen: Seen, mut keep: impl FnMut(&ObjectId) -> bool) -> Result<Range, GitError> {
    let Seen {
        index,
        ids,
        trees,
        times,
        marks,
        parents,
    } = seen;
    // Nothing is looked up by id from here on.
    drop(index);
    let wanted: Vec<u32> = (0..ids.len() as u32)
        .filter(|&at| marks[at as usize] == Mark::Wanted && keep(&ids[at as usize]))
        .collect();
    drop(marks);
    // Seen index -> index in `wanted`, then (below) -> position in the order.
    let mut position = vec![u32::MAX; ids.len()];
    for (w, &at) in wanted.iter().enumerate() {
        position[at as usize] = w as u32;
    }
    let mut order = kahn(&wanted, &parents, &position, &times);
    drop(times);
    // From here `order` holds seen indices.
    for (k, w) in order.iter_mut().enumerate() {
        *w = wanted[*w as usize];
        position[*w as usize] = k as u32;
    }
    drop(wanted);
    // One column at a time, each dropped once copied: the peak of the walk is here.
    let range_trees = order.iter().map(|&at| trees[at as usize]).collect();
    drop(trees);
    let mut out = ParentsOut::new(order.len());
    for &at in &order {
        out.push(
            parents
                .get(at as usize)
                .iter()
                .map(|&p| match position[p as usize] {
                    u32::MAX => Parent::Outside(ids[p as usize]),
                    k => Parent::Local(k as usize),
                }),
        )?;
    }
    drop(parents);
    drop(position);
    let range_ids = order.iter().map(|&at| ids[at as usize]).collect();
    Ok(out.into_range(range_ids, range_trees))
}

/// Kahn's algorithm over the wanted commits (indices into `wanted`), the oldest ready
/// commit first, ties in the order the walk saw them.
fn kahn(wanted: &[u32], parents: &ParentTable, position: &[u32], times: &[i64]) -> Vec<u32> {
    let n = wanted.len();
    // Children as one flat list (by parent, `start[p]..start[p + 1]`): a `Vec` per commit
    // would cost 24 bytes each before it holds anything.
    let mut pending = vec![0u32; n];
    let mut start = vec![0u32; n + 1];
    for (w, &at) in wanted.iter().enumerate() {
        for &p in parents.get(at as usize) {
            let p = position[p as usize];
            if p != u32::MAX {
                start[p as usize + 1] += 1;
                pending[w] += 1;
            }
        }
    }
    for k in 0..n {
        start[k + 1] += start[k];
    }
    let mut filled = start.clone();
    let mut children = vec![0u32; start[n] as usize];
    for (w, &at) in wanted.iter().enumerate() {
        for &p in parents.get(at as usize) {
            let p = position[p as usize];
            if p != u32::MAX {
                children[filled[p as usize] as usize] = w as u32;
                filled[p as usize] += 1;
            }
        }
    }
    drop(filled);
    let time = |w: u32| times[wanted[w as usize] as usize];
    let mut ready: BinaryHeap<Reverse<(i64, u32)>> = (0..n as u32)
        .filter(|&w| pending[w as usize] == 0)
        .map(|w| Reverse((time(w), w)))
        .collect();
    let mut order = Vec::with_capacity(n);
    while let Some(Reverse((_, w))) = ready.pop() {
        order.push(w);
        let (from, to) = (start[w as usize] as usize, start[w as usize + 1] as usize);
        for &child in &children[from..to] {
            pending[child as usize] -= 1;
            if pending[child as usize] == 0 {
                ready.push(Reverse((time(child), child)));
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kahn_puts_parents_first_and_the_oldest_ready_next() {
        // 0 <- 1 <- 3 and 0 <- 2 (2 older than 1), seen in the order 3, 2, 1, 0.
        let mut parents = ParentTable::default();
        for values in [&[2u32][..], &[3], &[3], &[]] {
            let at = parents.head.len();
            parents.set(at, values).unwrap();
        }
        let wanted = [0, 1, 2, 3];
        let position = [0, 1, 2, 3];
        let times = [30, 10, 20, 0];
        let order = kahn(&wanted, &parents, &position, &times);
        assert_eq!(order, [3, 1, 2, 0]);
    }
}
