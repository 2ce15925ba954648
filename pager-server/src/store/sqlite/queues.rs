//! What the SQLite writer keeps of the outbox, so as not to ask the table: how many messages
//! each output has pending (`max_pending` is checked without counting rows) and the pending
//! messages of each order key.
//!
//! Messages with one order key go one at a time: the oldest pending one is the key's head, the
//! others are `blocked`. Queuing a message must know whether its key has a pending one, and
//! finishing a head must find the key's next. An index by key answered both, but every message
//! wrote a random page of it twice (queued, finished), in every commit: with a backlog that was
//! most of the output's share of the WAL (BENCHMARKS.md, "The receiver under load"). The writer
//! is the only connection that changes the outbox, so it keeps the keys' queues in memory,
//! loaded from the table on open, and changes them with the rows it writes. A savepoint or a
//! transaction that is rolled back undoes its changes here too, counts and queues alike
//! (see [`WriterOutbox::undone_on_error`]).

use std::collections::{HashMap, VecDeque};

use rusqlite::Connection;

/// Each output's pending count, and its keys with pending messages, each key's ids oldest first
/// (the head first).
#[derive(Debug, Default)]
pub(super) struct WriterOutbox {
    pending: HashMap<String, u64>,
    outputs: HashMap<String, HashMap<String, VecDeque<i64>>>,
    /// What to undo, newest last, since the last [`WriterOutbox::settle`].
    journal: Vec<Undo>,
}

/// One change, and how to undo it.
#[derive(Debug)]
enum Undo {
    /// `id` was put in the key's queue.
    Added {
        output: String,
        key: String,
        id: i64,
    },
    /// `id` was taken from `at` in the key's queue.
    Removed {
        output: String,
        key: String,
        id: i64,
        at: usize,
    },
    /// The output's pending count was `was` (`None`: it had none).
    Counted { output: String, was: Option<u64> },
}

impl WriterOutbox {
    /// The counts and queues of the pending messages in the database: each key's head (not
    /// blocked) first, then its blocked messages, oldest first.
    pub(super) fn load(conn: &Connection) -> rusqlite::Result<Self> {
        let mut queues = Self::default();
        let mut counts = conn.prepare(
            "SELECT output, count(*) FROM outbox WHERE status = 'pending' GROUP BY output",
        )?;
        queues.pending = counts
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut statement = conn.prepare(
            "SELECT output, order_key, id FROM outbox \
             WHERE status = 'pending' AND order_key IS NOT NULL ORDER BY blocked, id",
        )?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
        for row in rows {
            let (output, key, id): (String, String, i64) = row?;
            queues
                .outputs
                .entry(output)
                .or_default()
                .entry(key)
                .or_default()
                .push_back(id);
        }
        Ok(queues)
    }

    /// How many messages `output` has pending.
    pub(super) fn pending(&self, output: &str) -> u64 {
        self.pending.get(output).copied().unwrap_or(0)
    }

    /// Adds `added` to `output`'s pending count, or takes one away (`None`: a message of it is
    /// no longer pending).
    pub(super) fn count(&mut self, output: &str, added: Option<u64>) {
        let was = self.pending.get(output).copied();
        let now = match (added, was) {
            (Some(added), _) => was.unwrap_or(0) + added,
            (None, Some(was)) => was.saturating_sub(1),
            (None, None) => return,
        };
        match self.pending.get_mut(output) {
            Some(count) => *count = now,
            None => {
                self.pending.insert(output.to_owned(), now);
            }
        }
        self.journal.push(Undo::Counted {
            output: output.to_owned(),
            was,
        });
    }

    /// Whether `key` of `output` has a pending message: a new one must wait behind it.
    pub(super) fn has_pending(&self, output: &str, key: &str) -> bool {
        self.outputs
            .get(output)
            .and_then(|keys| keys.get(key))
            .is_some_and(|queue| !queue.is_empty())
    }

    /// Queues `id`, newer than any of its key's, behind them.
    pub(super) fn push(&mut self, output: &str, key: &str, id: i64) {
        if let Some(queue) = self.queue_mut(output, key) {
            queue.push_back(id);
        }
        self.journal.push(Undo::Added {
            output: output.to_owned(),
            key: key.to_owned(),
            id,
        });
    }

    /// Queues `id` again (a failed message made pending): behind its key's head, before the
    /// key's newer blocked messages (the next head is the oldest blocked one). True when it
    /// became the head (its key had nothing pending).
    pub(super) fn requeue(&mut self, output: &str, key: &str, id: i64) -> bool {
        let Some(queue) = self.queue_mut(output, key) else {
            return false;
        };
        let head = queue.is_empty();
        let at = queue
            .iter()
            .skip(1)
            .position(|&other| other > id)
            .map_or(queue.len(), |at| at + 1);
        queue.insert(at, id);
        self.journal.push(Undo::Added {
            output: output.to_owned(),
            key: key.to_owned(),
            id,
        });
        head
    }

    /// Takes `id` out of its key's queue (it is no longer pending). When it was the head, the
    /// key's next message, if any, is returned: it becomes the head.
    pub(super) fn remove(&mut self, output: &str, key: &str, id: i64) -> Option<i64> {
        let keys = self.outputs.get_mut(output)?;
        let queue = keys.get_mut(key)?;
        let at = queue.iter().position(|&queued| queued == id)?;
        queue.remove(at);
        let next = if at == 0 {
            queue.front().copied()
        } else {
            None
        };
        if queue.is_empty() {
            keys.remove(key);
        }
        self.journal.push(Undo::Removed {
            output: output.to_owned(),
            key: key.to_owned(),
            id,
            at,
        });
        next
    }

    /// Runs `change` (the writes of a savepoint or transaction) and, when it fails, undoes
    /// what it changed here.
    pub(super) fn undone_on_error<T, E>(
        &mut self,
        change: impl FnOnce(&mut Self) -> Result<T, E>,
    ) -> Result<T, E> {
        let mark = self.journal.len();
        let result = change(self);
        if result.is_err() {
            self.undo_to(mark);
        }
        result
    }

    /// Undoes the changes made since the journal's length was `mark`.
    fn undo_to(&mut self, mark: usize) {
        while self.journal.len() > mark {
            let Some(undo) = self.journal.pop() else {
                break;
            };
            match undo {
                Undo::Added { output, key, id } => {
                    if let Some(keys) = self.outputs.get_mut(&output) {
                        if let Some(queue) = keys.get_mut(&key) {
                            if let Some(at) = queue.iter().position(|&queued| queued == id) {
                                queue.remove(at);
                            }
                            if queue.is_empty() {
                                keys.remove(&key);
                            }
                        }
                    }
                }
                Undo::Removed {
                    output,
                    key,
                    id,
                    at,
                } => {
                    if let Some(queue) = self.queue_mut(&output, &key) {
                        queue.insert(at.min(queue.len()), id);
                    }
                }
                Undo::Counted { output, was } => match was {
                    Some(was) => {
                        self.pending.insert(output, was);
                    }
                    None => {
                        self.pending.remove(&output);
                    }
                },
            }
        }
    }

    /// Forgets the journal: what it recorded was committed (call it after each commit).
    pub(super) fn settle(&mut self) {
        self.journal.clear();
    }

    /// The queue of `key` of `output`, made (empty) if there is none. Always `Some`.
    fn queue_mut(&mut self, output: &str, key: &str) -> Option<&mut VecDeque<i64>> {
        if !self.outputs.contains_key(output) {
            self.outputs.insert(output.to_owned(), HashMap::new());
        }
        let keys = self.outputs.get_mut(output)?;
        if !keys.contains_key(key) {
            keys.insert(key.to_owned(), VecDeque::new());
        }
        keys.get_mut(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(queues: &WriterOutbox, key: &str) -> Vec<i64> {
        queues
            .outputs
            .get("o")
            .and_then(|keys| keys.get(key))
            .map(|queue| queue.iter().copied().collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_finished_head_hands_over_to_the_next_of_its_key_only() {
        let mut queues = WriterOutbox::default();
        assert!(!queues.has_pending("o", "k"));
        queues.push("o", "k", 1);
        queues.push("o", "k", 3);
        queues.push("o", "j", 2);
        assert!(queues.has_pending("o", "k"));
        assert!(!queues.has_pending("other", "k"));
        // A blocked message leaving (not the head) makes no new head.
        queues.push("o", "k", 4);
        assert_eq!(queues.remove("o", "k", 3), None);
        assert_eq!(queues.remove("o", "k", 1), Some(4));
        assert_eq!(queues.remove("o", "k", 4), None);
        assert!(!queues.has_pending("o", "k"));
        assert_eq!(queues.remove("o", "k", 4), None, "not queued: nothing");
        assert_eq!(queue(&queues, "j"), [2]);
    }

    #[test]
    fn a_requeued_message_waits_behind_the_head_in_id_order() {
        let mut queues = WriterOutbox::default();
        assert!(queues.requeue("o", "k", 5), "nothing pending: the head");
        queues.push("o", "k", 9);
        assert!(!queues.requeue("o", "k", 2));
        assert!(!queues.requeue("o", "k", 7));
        assert_eq!(queue(&queues, "k"), [5, 2, 7, 9]);
    }

    #[test]
    fn a_failed_change_is_undone_counts_and_queues_alike() {
        let mut outbox = WriterOutbox::default();
        for id in [1, 2, 3] {
            outbox.push("o", "k", id);
        }
        outbox.count("o", Some(3));
        outbox.settle();
        let failed: Result<(), ()> = outbox.undone_on_error(|o| {
            assert_eq!(o.remove("o", "k", 1), Some(2));
            assert_eq!(o.remove("o", "k", 3), None);
            o.count("o", None);
            o.count("o", None);
            o.push("o", "k", 4);
            o.push("o", "j", 5);
            o.count("p", Some(1));
            assert!(!o.requeue("o", "k", 0));
            Err(())
        });
        assert!(failed.is_err());
        assert_eq!(queue(&outbox, "k"), [1, 2, 3]);
        assert!(!outbox.has_pending("o", "j"));
        assert_eq!((outbox.pending("o"), outbox.pending("p")), (3, 0));
        assert!(
            !outbox.pending.contains_key("p"),
            "an output it added is gone again"
        );
        // A savepoint that succeeded inside a transaction that failed is undone with it.
        let failed: Result<(), ()> = outbox.undone_on_error(|o| {
            o.undone_on_error(|o| {
                o.push("o", "k", 6);
                o.count("o", Some(1));
                Ok::<_, ()>(())
            })?;
            Err(())
        });
        assert!(failed.is_err());
        assert_eq!(
            (queue(&outbox, "k"), outbox.pending("o")),
            (vec![1, 2, 3], 3)
        );
        // What succeeded and was settled stays.
        let done: Result<(), ()> = outbox.undone_on_error(|o| {
            assert_eq!(o.remove("o", "k", 1), Some(2));
            o.count("o", None);
            Ok(())
        });
        assert!(done.is_ok());
        outbox.settle();
        let failed: Result<(), ()> = outbox.undone_on_error(|_| Err(()));
        assert!(failed.is_err());
        assert_eq!((queue(&outbox, "k"), outbox.pending("o")), (vec![2, 3], 2));
    }
}
