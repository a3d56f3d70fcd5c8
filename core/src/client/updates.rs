//! Following the citizen's complaints: the one updates loop of the apps' listener and of
//! `samat watch`. [`Updates`] long-polls the server's sync feed, hands over each event once,
//! says when the server stops or starts answering, and backs off after a failed poll with the
//! client's one backoff rule ([`Backoff::POLL`]). Its decisions are pure functions, tested by
//! table: which events are new to the stream ([`fresh`]), how long to wait after a failure
//! ([`retry_in`]) or after an empty answer ([`pause_after`]), and whether a failure is the
//! same as the one before ([`Streak`]).

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::time::{Duration, Instant};

use rand::Rng;

use super::retry::Backoff;
use super::types::{ComplaintEvent, Connection};
use super::{Client, ClientError, Public};

/// How long one long poll waits on the server unless [`Updates::waiting`] says otherwise.
pub const POLL_SECONDS: u64 = 30;
/// An answer with nothing new sooner than this means the server did not wait (a `wait` of 0,
/// or news another process took first): pause this long before asking again.
pub const MIN_EMPTY_POLL: Duration = Duration::from_secs(1);
/// The pause between polls while logged out: that check is local, so the first poll after a
/// login is prompt.
pub const LOGGED_OUT_PAUSE: Duration = Duration::from_secs(5);

/// How a stream hands events over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Every event the app has not marked seen, each once per stream — also those a `sync()`,
    /// a push or a refresh brought in. They stay unseen until the app calls `mark_seen` (the
    /// apps' listener).
    Unseen,
    /// Takes the events no process has shown yet and marks them seen in the same
    /// transaction: each goes to one taker among all the processes on the data directory
    /// (`samat watch` beside `samat sync`).
    Take,
}

/// What a stream reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// New events, oldest first. Those stored before the stream started come first, only if
    /// there are any; after that, one per answered poll, empty when it brought nothing new.
    Events(Vec<ComplaintEvent>),
    /// The server became reachable (`Online`) or stopped being so (`Offline`): on each
    /// change, first when it is known.
    Connection(Connection),
    /// A poll failed (`Offline`, `Unauthorized`, ...); the stream polls again after `retry_in`.
    Failed {
        /// What failed.
        error: ClientError,
        /// The pause before the next poll.
        retry_in: Duration,
        /// The poll before failed the same way (same code): for those who tell once per kind
        /// of failure in a row.
        repeated: bool,
    },
}

/// The events of `unseen` this stream has not handed over yet, and the set to remember
/// instead of `delivered`: the unseen events it has now handed over (what the app marked
/// seen leaves the set). A set, not a high-water mark: sequence numbers are the server's, and
/// events arrive out of order (a refresh) or lower than before (another citizen logged in).
pub fn fresh(unseen: &[ComplaintEvent], delivered: &HashSet<i64>) -> (Vec<ComplaintEvent>, HashSet<i64>) {
    let new = unseen.iter().filter(|e| !delivered.contains(&e.event.seq)).cloned().collect();
    (new, unseen.iter().map(|e| e.event.seq).collect())
}

/// The pause before polling again after `failures` failed polls in a row, the last being
/// `error`: [`Backoff::POLL`] while offline or while the server fails; a steady
/// [`LOGGED_OUT_PAUSE`] while logged out.
pub fn retry_in(error: &ClientError, failures: u32, jitter: f64) -> Duration {
    match error {
        ClientError::Unauthorized => LOGGED_OUT_PAUSE,
        _ => Backoff::POLL.delay(failures, jitter),
    }
}

/// The pause before the next poll after one that was answered in `took`, bringing something
/// new or not: none, unless the server answered at once with nothing (so the loop never spins).
pub fn pause_after(took: Duration, anything_new: bool) -> Option<Duration> {
    (!anything_new && took < MIN_EMPTY_POLL).then_some(MIN_EMPTY_POLL)
}

/// Failed polls in a row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Streak {
    /// How many.
    pub failures: u32,
    /// The code of the last one.
    pub last_code: Option<String>,
}

impl Streak {
    /// Counts a failure with `code`; returns whether the failure before it had the same code.
    pub fn fail(&mut self, code: &str) -> bool {
        self.failures = self.failures.saturating_add(1);
        let repeated = self.last_code.as_deref() == Some(code);
        self.last_code = Some(code.to_owned());
        repeated
    }

    /// A poll succeeded.
    pub fn end(&mut self) {
        *self = Streak::default();
    }
}

/// What the stream does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Hand over what is stored unseen already, before anything goes over the network.
    Backlog,
    /// A quick look (`GET /healthz`): at the start, so the first word on the connection is
    /// today's, and while offline, so "back online" is told as soon as the server answers.
    Ping,
    /// One long poll.
    Poll,
}

/// The citizen's news as a stream: call [`next`](Updates::next) (or
/// [`next_until`](Updates::next_until)) again and again. It never ends on its own: failures
/// are reported and polling goes on after a pause. Made by [`Client::updates`].
pub struct Updates {
    client: Client,
    delivery: Delivery,
    /// Seconds each long poll waits on the server.
    wait: u64,
    step: Step,
    /// Found, not handed over yet.
    ready: VecDeque<Update>,
    /// With [`Delivery::Unseen`]: the unseen events handed over (see [`fresh`]).
    delivered: HashSet<i64>,
    /// What the consumer was last told about reaching the server.
    told: Connection,
    streak: Streak,
    /// The pause before the next ping or poll.
    pause: Option<Duration>,
}

impl Client {
    /// Follows the citizen's complaints, handing events over as `delivery` says: see
    /// [`Updates`].
    pub fn updates(&self, delivery: Delivery) -> Updates {
        Updates {
            client: self.clone(),
            delivery,
            wait: POLL_SECONDS,
            step: Step::Backlog,
            ready: VecDeque::new(),
            delivered: HashSet::new(),
            told: Connection::Unknown,
            streak: Streak::default(),
            pause: None,
        }
    }
}

impl Updates {
    /// Long-polls `seconds` (at most 60; 0 asks and returns at once) instead of
    /// [`POLL_SECONDS`].
    pub fn waiting(mut self, seconds: u64) -> Self {
        self.wait = seconds.min(60);
        self
    }

    /// The next update.
    pub async fn next(&mut self) -> Update {
        let mut never = std::future::pending::<()>();
        loop {
            if let Some(update) = self.next_until(&mut never).await {
                return update;
            }
        }
    }

    /// The next update, or `None` once `stop` completes (then do not call it again with the
    /// same `stop`). `stop` is heeded only where stopping loses nothing — pausing, pinging,
    /// long-polling — so events taken from the device ([`Delivery::Take`]) are always
    /// handed over.
    pub async fn next_until<S: Future + Unpin>(&mut self, stop: &mut S) -> Option<Update> {
        loop {
            if let Some(update) = self.ready.pop_front() {
                return Some(update);
            }
            match self.step {
                Step::Backlog => {
                    self.step = Step::Ping;
                    match self.collect().await {
                        Ok(events) if events.is_empty() => {}
                        Ok(events) => self.ready.push_back(Update::Events(events)),
                        Err(e) => self.failed(e),
                    }
                }
                Step::Ping => {
                    self.pause(stop).await?;
                    // Its answer is the connection it leaves behind.
                    let _ = unless(stop, self.client.ping()).await?;
                    self.step = Step::Poll;
                    self.tell_connection();
                }
                Step::Poll => {
                    self.pause(stop).await?;
                    let started = Instant::now();
                    let polled = unless(stop, self.client.wait_for_updates(self.wait)).await?;
                    self.tell_connection();
                    self.step = if self.told == Connection::Offline { Step::Ping } else { Step::Poll };
                    let collected = match polled {
                        Ok(_) => self.collect().await,
                        Err(e) => Err(e),
                    };
                    match collected {
                        Ok(events) => {
                            self.streak.end();
                            self.pause = pause_after(started.elapsed(), !events.is_empty());
                            self.ready.push_back(Update::Events(events));
                        }
                        Err(e) => self.failed(e),
                    }
                }
            }
        }
    }

    /// The events to hand over now, as [`Delivery`] says.
    async fn collect(&mut self) -> Public<Vec<ComplaintEvent>> {
        match self.delivery {
            Delivery::Take => self.client.take_unseen(None).await,
            Delivery::Unseen => {
                let unseen = self.client.unseen_events().await?;
                let (new, delivered) = fresh(&unseen, &self.delivered);
                self.delivered = delivered;
                Ok(new)
            }
        }
    }

    /// Records a failed poll: reported, and the next one waits.
    fn failed(&mut self, error: ClientError) {
        let repeated = self.streak.fail(error.code());
        let retry_in = retry_in(&error, self.streak.failures, rand::thread_rng().gen());
        self.pause = Some(retry_in);
        self.ready.push_back(Update::Failed { error, retry_in, repeated });
    }

    /// Queues a [`Update::Connection`] when reaching the server changed since last told.
    fn tell_connection(&mut self) {
        let now = self.client.connection();
        if now != self.told && now != Connection::Unknown {
            self.told = now;
            self.ready.push_back(Update::Connection(now));
        }
    }

    /// Waits out the pause due, if any; `None` when stopped.
    async fn pause<S: Future + Unpin>(&mut self, stop: &mut S) -> Option<()> {
        match self.pause.take() {
            Some(pause) => unless(stop, tokio::time::sleep(pause)).await,
            None => Some(()),
        }
    }
}

/// Runs `work` unless `stop` completes first.
async fn unless<S: Future + Unpin, T>(stop: &mut S, work: impl Future<Output = T>) -> Option<T> {
    tokio::select! {
        biased;
        _ = stop => None,
        out = work => Some(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::api::{EventKind, EventView};
    use crate::model::{Stage, TrackingCode};

    fn event(seq: i64) -> ComplaintEvent {
        let event = EventView::bare(seq, EventKind::Stage, Stage::ExpertReview, "expert", time::OffsetDateTime::UNIX_EPOCH);
        ComplaintEvent { tracking_code: TrackingCode::parse("5973453081").unwrap(), event, seen: false }
    }

    #[test]
    fn each_unseen_event_is_handed_over_once_per_stream() {
        type Seqs = &'static [i64];
        // (unseen now, handed over before) -> (handed over now, remembered)
        let table: [(Seqs, Seqs, Seqs, Seqs); 7] = [
            (&[], &[], &[], &[]),
            (&[3, 7], &[], &[3, 7], &[3, 7]),
            (&[3, 7], &[3, 7], &[], &[3, 7]),
            (&[3, 7, 9], &[3, 7], &[9], &[3, 7, 9]),
            // The app marked 3 seen: it leaves the set.
            (&[7, 9], &[3, 7, 9], &[], &[7, 9]),
            // A refresh brought an older one in; another citizen's feed starts lower.
            (&[2, 7], &[7, 9], &[2], &[2, 7]),
            (&[1], &[7, 9], &[1], &[1]),
        ];
        for (unseen, before, new, remembered) in table {
            let unseen: Vec<ComplaintEvent> = unseen.iter().map(|s| event(*s)).collect();
            let (got, set) = fresh(&unseen, &before.iter().copied().collect());
            assert_eq!(got.iter().map(|e| e.event.seq).collect::<Vec<_>>(), new, "unseen {unseen:?}");
            assert_eq!(set, remembered.iter().copied().collect::<HashSet<_>>());
        }
    }

    #[test]
    fn failed_polls_back_off_to_a_minute_and_logged_out_ones_wait_steadily() {
        let offline = ClientError::Offline { detail: String::new() };
        let server = ClientError::Server { status: 503, detail: String::new() };
        let s = Duration::from_secs;
        for (error, failures, jitter, expected) in [
            (&offline, 1, 1.0, s(1)),
            (&offline, 2, 1.0, s(2)),
            (&offline, 3, 1.0, s(4)),
            (&offline, 6, 1.0, s(32)),
            (&offline, 7, 1.0, s(60)),
            (&offline, 1000, 1.0, s(60)),
            (&offline, 7, 0.0, s(30)),
            (&server, 4, 1.0, s(8)),
            (&ClientError::Unauthorized, 1, 1.0, s(5)),
            (&ClientError::Unauthorized, 1000, 0.0, s(5)),
            (&ClientError::Unauthorized, u32::MAX, 0.3, s(5)),
        ] {
            assert_eq!(retry_in(error, failures, jitter), expected, "{error:?} after {failures}");
        }
    }

    #[test]
    fn only_an_empty_answer_at_once_pauses_the_next_poll() {
        let ms = Duration::from_millis;
        for (took, anything_new, pause) in [
            (ms(5), false, Some(MIN_EMPTY_POLL)),
            (ms(999), false, Some(MIN_EMPTY_POLL)),
            (ms(1000), false, None),
            (ms(30_000), false, None),
            (ms(5), true, None),
            (ms(30_000), true, None),
        ] {
            assert_eq!(pause_after(took, anything_new), pause, "{took:?} new {anything_new}");
        }
    }

    #[test]
    fn a_failure_is_told_once_per_kind_in_a_row() {
        let mut streak = Streak::default();
        // (code, or None for a poll that succeeded) -> (repeated, failures in a row)
        for (code, repeated, failures) in [
            (Some("offline"), false, 1),
            (Some("offline"), true, 2),
            (Some("offline"), true, 3),
            (Some("unauthorized"), false, 4),
            (Some("offline"), false, 5),
            (None, false, 0),
            (Some("offline"), false, 1),
        ] {
            match code {
                Some(code) => assert_eq!(streak.fail(code), repeated, "{code}"),
                None => streak.end(),
            }
            assert_eq!(streak.failures, failures);
        }
    }

    /// The next update, with a deadline.
    async fn next_within(updates: &mut Updates) -> Update {
        tokio::time::timeout(Duration::from_secs(20), updates.next()).await.expect("no update within 20 s")
    }

    fn store_event(dir: &std::path::Path, seq: i64, seen: bool) {
        let conn = rusqlite::Connection::open(dir.join("samat.db")).unwrap();
        let body = serde_json::json!({"seq": seq, "kind": "stage", "stage": "expert_review", "actor": "expert", "at": "2026-11-29T08:00:00Z"});
        conn.execute("INSERT INTO events (seq, tracking_code, body, seen) VALUES (?1, '5973453081', ?2, ?3)", rusqlite::params![seq, body.to_string(), seen])
            .unwrap();
    }

    #[tokio::test]
    async fn the_backlog_comes_first_then_the_connection_then_each_failure() {
        let dir = tempfile::tempdir().unwrap();
        let client = Client::open(dir.path(), "http://127.0.0.1:9").await.unwrap();
        for (seq, seen) in [(7, false), (3, false), (5, true)] {
            store_event(dir.path(), seq, seen);
        }
        let mut updates = client.updates(Delivery::Take).waiting(0);
        match next_within(&mut updates).await {
            Update::Events(events) => assert_eq!(events.iter().map(|e| e.event.seq).collect::<Vec<_>>(), [3, 7], "oldest first, the seen one left out"),
            other => panic!("{other:?}"),
        }
        assert!(client.unseen_events().await.unwrap().is_empty(), "taken: marked seen");
        assert_eq!(next_within(&mut updates).await, Update::Connection(Connection::Offline));
        // Logged out: the poll fails at once, then again after the steady pause, told as repeated.
        match next_within(&mut updates).await {
            Update::Failed { error: ClientError::Unauthorized, retry_in, repeated: false } => assert_eq!(retry_in, LOGGED_OUT_PAUSE),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn stopping_while_waiting_ends_the_stream_and_keeps_what_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let client = Client::open(dir.path(), "http://127.0.0.1:9").await.unwrap();
        let mut updates = client.updates(Delivery::Take);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let mut stop = rx;
        // Nothing stored: the ping is the first thing it waits on; the stop ends it.
        tx.send(()).unwrap();
        assert_eq!(tokio::time::timeout(Duration::from_secs(20), updates.next_until(&mut stop)).await.unwrap(), None);
        // An event stored meanwhile is still there for the next taker.
        store_event(dir.path(), 11, false);
        assert_eq!(client.unseen_events().await.unwrap().len(), 1);
    }
}
