//! A range of commits kept compactly: an id, a tree id and a parent index per commit
//! (about 45 bytes), because `gitseal verify` holds one for every commit it judges; full
//! commit structs and hash maps cost several times that (docs/benchmarks.md, finding 1).

use super::GitError;
use gix::hash::ObjectId;

/// A commit's parent as a range sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parent {
    /// Another commit of the range, by index (always smaller than the child's).
    Local(usize),
    /// A commit outside the range: hidden, or never walked.
    Outside(ObjectId),
}

/// Commits in topological order: every commit after its parents in the range; among the
/// commits whose parents are all placed, the oldest by committer time first (then the
/// order the walk found them in), so that output reads like history and is stable.
#[derive(Default)]
pub struct Range {
    ids: Vec<ObjectId>,
    trees: Vec<ObjectId>,
    /// Parent values: `v < len` is a local index, else `outside[v - len]`.
    parents: ParentTable,
    outside: Vec<ObjectId>,
}

impl Range {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn id(&self, index: usize) -> ObjectId {
        self.ids[index]
    }

    pub fn tree(&self, index: usize) -> ObjectId {
        self.trees[index]
    }

    /// How many parents the commit has, in or outside the range.
    pub fn parent_count(&self, index: usize) -> usize {
        self.parents.get(index).len()
    }

    /// The commit's parents in the order its object lists them.
    pub fn parents(&self, index: usize) -> impl Iterator<Item = Parent> + '_ {
        let len = self.ids.len();
        self.parents.get(index).iter().map(move |&v| {
            let v = v as usize;
            if v < len {
                Parent::Local(v)
            } else {
                Parent::Outside(self.outside[v - len])
            }
        })
    }

    /// A range of these commits, without parents (their trees are their own ids): for
    /// tests and the fuzz target `verdict_cache`, which need a range without a repository.
    pub fn from_ids(ids: &[ObjectId]) -> Range {
        let mut parents = ParentsOut::new(ids.len());
        for _ in ids {
            parents.push(std::iter::empty()).expect("a few commits");
        }
        parents.into_range(ids.to_vec(), ids.to_vec())
    }

    /// The commits sorted by id, to find one by id (4 bytes per commit).
    pub fn index_by_id(&self) -> IdIndex<'_> {
        let mut sorted: Vec<u32> = (0..self.ids.len() as u32).collect();
        sorted.sort_unstable_by_key(|&i| self.ids[i as usize]);
        IdIndex {
            range: self,
            sorted,
        }
    }
}

/// A [`Range`]'s commits by id.
pub struct IdIndex<'a> {
    range: &'a Range,
    sorted: Vec<u32>,
}

impl IdIndex<'_> {
    /// The index in the range of the commit `id`, if it is there.
    pub fn find(&self, id: &ObjectId) -> Option<usize> {
        self.sorted
            .binary_search_by(|&i| self.range.ids[i as usize].cmp(id))
            .ok()
            .map(|at| self.sorted[at] as usize)
    }

    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }
}

/// A range's parent lists, filled in the range's order; outside parents are numbered
/// after the range's `len` commits.
pub(super) struct ParentsOut {
    table: ParentTable,
    outside: Vec<ObjectId>,
    len: usize,
    buf: Vec<u32>,
}

impl ParentsOut {
    pub(super) fn new(len: usize) -> Self {
        let mut table = ParentTable::default();
        table.head.reserve_exact(len);
        Self {
            table,
            outside: Vec::new(),
            len,
            buf: Vec::new(),
        }
    }

    /// The next commit's parents.
    pub(super) fn push(&mut self, parents: impl Iterator<Item = Parent>) -> Result<(), GitError> {
        self.buf.clear();
        for parent in parents {
            let value = match parent {
                Parent::Local(p) => p,
                Parent::Outside(id) => {
                    self.outside.push(id);
                    self.len + self.outside.len() - 1
                }
            };
            self.buf
                .push(u32::try_from(value).map_err(|_| GitError::TooManyCommits)?);
        }
        let at = self.table.head.len();
        self.table.set(at, &self.buf)
    }

    /// The range of these commits (ids and trees in the same order as the parents).
    pub(super) fn into_range(self, ids: Vec<ObjectId>, trees: Vec<ObjectId>) -> Range {
        Range {
            ids,
            trees,
            parents: self.table,
            outside: self.outside,
        }
    }
}

/// Lists of u32 per entry without a `Vec` each: one value inline, several (merges) in
/// `more` as a count followed by the values.
#[derive(Default)]
pub(super) struct ParentTable {
    pub(super) head: Vec<u32>,
    more: Vec<u32>,
}

/// `head` value of an entry with no parents (a root commit, or one not read yet).
pub(super) const NONE: u32 = u32::MAX;
/// `head` flag: the rest is an offset into `more`.
pub(super) const MULTI: u32 = 1 << 31;

impl ParentTable {
    /// Sets entry `at` (the next one, or one already there) to `values`.
    pub(super) fn set(&mut self, at: usize, values: &[u32]) -> Result<(), GitError> {
        let head = match values {
            [] => NONE,
            [one] if *one & MULTI == 0 => *one,
            many => {
                let offset = self.more.len() as u32;
                if offset & MULTI != 0 || many.iter().any(|v| *v & MULTI != 0) {
                    return Err(GitError::TooManyCommits);
                }
                self.more.push(many.len() as u32);
                self.more.extend_from_slice(many);
                MULTI | offset
            }
        };
        match self.head.get_mut(at) {
            Some(slot) => *slot = head,
            None => self.head.push(head),
        }
        Ok(())
    }

    pub(super) fn get(&self, at: usize) -> &[u32] {
        match self.head[at] {
            NONE => &[],
            head if head & MULTI != 0 => {
                let offset = (head & !MULTI) as usize;
                let count = self.more[offset] as usize;
                &self.more[offset + 1..offset + 1 + count]
            }
            _ => std::slice::from_ref(&self.head[at]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> ObjectId {
        ObjectId::from_bytes_or_panic(&[n; 20])
    }

    #[test]
    fn parent_table_keeps_none_one_and_many() {
        let mut table = ParentTable::default();
        table.set(0, &[]).unwrap();
        table.set(1, &[7]).unwrap();
        table.set(2, &[1, 2, 3]).unwrap();
        table.set(0, &[4, 5]).unwrap();
        assert_eq!(table.get(0), &[4, 5]);
        assert_eq!(table.get(1), &[7]);
        assert_eq!(table.get(2), &[1, 2, 3]);
    }

    #[test]
    fn parents_in_and_outside_the_range() {
        let mut parents = ParentsOut::new(3);
        parents.push([Parent::Outside(id(9))].into_iter()).unwrap();
        parents.push([Parent::Local(0)].into_iter()).unwrap();
        parents
            .push([Parent::Outside(id(8)), Parent::Local(1), Parent::Local(0)].into_iter())
            .unwrap();
        let range = parents.into_range(vec![id(1), id(2), id(3)], vec![id(11), id(12), id(13)]);
        assert_eq!(range.len(), 3);
        assert_eq!(range.tree(2), id(13));
        assert_eq!(
            range.parents(0).collect::<Vec<_>>(),
            [Parent::Outside(id(9))]
        );
        assert_eq!(range.parents(1).collect::<Vec<_>>(), [Parent::Local(0)]);
        assert_eq!(
            range.parents(2).collect::<Vec<_>>(),
            [Parent::Outside(id(8)), Parent::Local(1), Parent::Local(0)]
        );
        assert_eq!(range.parent_count(2), 3);
        let index = range.index_by_id();
        assert_eq!(index.find(&id(3)), Some(2));
        assert_eq!(index.find(&id(9)), None);
    }
}
