//! The state machine of one limiter shard: sliding-window counters, and the fraud guard's memory
//! of recent destinations. Its coordinator (a `Limiter` Durable Object, one per shard key) runs
//! one command at a time, so a reservation is exact under any concurrency. Pure: state in, state
//! and reply out. Nothing here holds a phone number, an email or an IP: destinations are keyed
//! 64-bit hashes, and the shard's name is a keyed hash of its key.

use serde::{Deserialize, Serialize};

use super::window::Window;
use crate::time::Timestamp;

/// Recent destinations the fraud guard remembers per shard (the oldest go first).
const MAX_RECENT: usize = 200;

/// One counter of a reservation: at most `max` in any `interval` seconds, this one weighing
/// `weight` (1 for a count, the price for spend).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit {
    /// What the counter counts; also names it in a refusal.
    pub name: String,
    pub max: u64,
    pub interval: u32,
    pub weight: u64,
}

/// How the fraud guard acts on what it sees: `block`, `monitor` (report what it would block in a
/// log line and the read-out, block nothing) or `off`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum FraudMode {
    Off,
    Monitor,
    #[default]
    Block,
}

/// What the fraud guard asks a shard to judge about one start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Probe {
    /// Keyed hash of the destination.
    pub dest: u64,
    /// Keyed hash of the destination's thousand (the number without its last three digits);
    /// 0: not judged for consecutive numbers.
    pub near: u64,
    /// 2 when the edge's signals make the start look foreign to its destination, else 1.
    pub weight: u8,
    pub mode: FraudMode,
    /// Other unconverted numbers in the same thousand that mark a run (0: off).
    pub near_max: u32,
    /// Unconverted destinations (weighted) that, with too few approvals, mark pumping.
    pub unconverted_max: u32,
    /// The share of recent destinations (percent) that must have been approved.
    pub min_conversion_percent: u8,
    /// How far back the guard looks, in seconds.
    pub window: u32,
    /// How long a block lasts, in seconds.
    pub block_seconds: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Recent {
    dest: u64,
    near: u64,
    at: u64,
    weight: u8,
    converted: bool,
}

/// A block the fraud guard set on this shard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub until: Timestamp,
    pub reason: String,
    /// Whether it refuses starts (`false`: monitor mode noted it, and notes it once).
    pub enforced: bool,
}

/// A shard's state. Field names are short: the state is written on every reservation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    #[serde(default, rename = "c")]
    counters: Vec<Window>,
    #[serde(default, rename = "r")]
    recent: Vec<Recent>,
    #[serde(default, rename = "b")]
    block: Option<Block>,
}

/// A command to a shard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitCommand {
    /// Count one start against every limit (all or none), after the fraud guard's judgement.
    Reserve {
        limits: Vec<Limit>,
        probe: Option<Probe>,
    },
    /// Undo a reservation made at `at` (the start was refused elsewhere, or never delivered).
    Release {
        at: Timestamp,
        limits: Vec<Limit>,
        dest: Option<u64>,
    },
    /// A destination was approved: the guard's evidence that its traffic is real.
    Converted { dest: u64 },
    /// Lift the fraud guard's block.
    Unblock,
}

/// Why a shard refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refused {
    /// A limit is full.
    Limit {
        name: String,
        max: u64,
        interval: u32,
        retry_after: u64,
    },
    /// The fraud guard blocks this shard; `new` when this start set the block.
    Fraud {
        reason: String,
        retry_after: u64,
        new: bool,
    },
}

/// A shard's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitReply {
    /// Counted at `at`; `recorded` when the destination was added to the guard's memory (a
    /// release takes it out again); `flagged`: what monitor mode would have blocked.
    Reserved {
        at: Timestamp,
        recorded: bool,
        flagged: Option<String>,
    },
    Refused(Refused),
    Done,
}

impl Shard {
    /// The window counting `name`, made empty if there is none (always `Some`).
    fn window(&mut self, name: &str) -> Option<&mut Window> {
        if !self.counters.iter().any(|w| w.name == name) {
            self.counters.push(Window { name: name.to_owned(), ..Window::default() });
        }
        self.counters.iter_mut().find(|w| w.name == name)
    }

    /// Whether the shard holds nothing worth keeping.
    pub fn is_empty(&self) -> bool {
        self.counters.is_empty() && self.recent.is_empty() && self.block.is_none()
    }

    /// When everything in it will have expired, given that the guard looks back `memory`
    /// seconds (for the coordinator's cleanup alarm).
    pub fn expires_at(&self, memory: u32) -> Option<Timestamp> {
        let counts = self
            .counters
            .iter()
            .filter_map(|w| w.bins.last().map(|(s, _)| w.leaves(*s)));
        let recent = self.recent.iter().map(|r| r.at + u64::from(memory));
        let block = self.block.iter().map(|b| b.until.unix_seconds());
        counts
            .chain(recent)
            .chain(block)
            .max()
            .map(Timestamp::from_unix_seconds)
    }

    /// Drops what has left every window.
    pub fn prune(&mut self, now: Timestamp, memory: u32) {
        let t = now.unix_seconds();
        for w in &mut self.counters {
            w.prune(t);
        }
        self.counters.retain(|w| !w.bins.is_empty());
        let earliest = t.saturating_sub(u64::from(memory));
        self.recent.retain(|r| r.at > earliest);
        if self
            .block
            .as_ref()
            .is_some_and(|b| b.until.unix_seconds() <= t)
        {
            self.block = None;
        }
    }

    /// The fraud guard's judgement: `Err` blocks, `Ok(Some)` is what monitor mode reports.
    fn judge(&mut self, probe: &Probe, now: u64) -> Result<Option<String>, Refused> {
        let earliest = now.saturating_sub(u64::from(probe.window));
        match &self.block {
            Some(block) if block.enforced && probe.mode == FraudMode::Block => {
                let retry_after = block.until.unix_seconds().saturating_sub(now).max(1);
                return Err(Refused::Fraud {
                    reason: block.reason.clone(),
                    retry_after,
                    new: false,
                });
            }
            // Monitor mode reports a block once; block mode judges again what it only noted.
            Some(block) if block.enforced || probe.mode != FraudMode::Block => return Ok(None),
            _ => {}
        }
        if self.recent.iter().any(|r| r.dest == probe.dest) {
            // A destination already seen: a resend or a retry, not new evidence.
            return Ok(None);
        }
        let recent: Vec<&Recent> = self.recent.iter().filter(|r| r.at > earliest).collect();
        let unconverted = recent.iter().filter(|r| !r.converted);
        let near = unconverted
            .clone()
            .filter(|r| probe.near != 0 && r.near == probe.near)
            .count();
        let weighted: u32 =
            unconverted.map(|r| u32::from(r.weight)).sum::<u32>() + u32::from(probe.weight);
        let converted = recent.iter().filter(|r| r.converted).count();
        let rate_low =
            converted * 100 < usize::from(probe.min_conversion_percent) * (recent.len() + 1);
        let reason = if probe.near_max > 0 && near >= probe.near_max as usize {
            format!("{} unapproved numbers in one thousand", near + 1)
        } else if probe.unconverted_max > 0 && weighted > probe.unconverted_max && rate_low {
            format!(
                "{} unapproved destinations, {converted} approved",
                recent.len() + 1 - converted
            )
        } else {
            return Ok(None);
        };
        let until = Timestamp::from_unix_seconds(now + u64::from(probe.block_seconds));
        let enforced = probe.mode == FraudMode::Block;
        self.block = Some(Block {
            until,
            reason: reason.clone(),
            enforced,
        });
        if !enforced {
            return Ok(Some(reason));
        }
        Err(Refused::Fraud {
            reason,
            retry_after: u64::from(probe.block_seconds).max(1),
            new: true,
        })
    }

    fn reserve(&mut self, limits: &[Limit], probe: Option<&Probe>, now: Timestamp) -> LimitReply {
        let t = now.unix_seconds();
        for limit in limits {
            if let Some(window) = self.window(&limit.name) {
                window.interval = limit.interval;
                window.prune(t);
            }
        }
        self.counters.retain(|w| !w.bins.is_empty());
        if self
            .block
            .as_ref()
            .is_some_and(|b| b.until.unix_seconds() <= t)
        {
            self.block = None;
        }
        let flagged = match probe
            .filter(|p| p.mode != FraudMode::Off)
            .map(|p| self.judge(p, t))
        {
            Some(Err(refused)) => return LimitReply::Refused(refused),
            Some(Ok(flag)) => flag,
            None => None,
        };
        for limit in limits {
            let window = self.counters.iter().find(|w| w.name == limit.name);
            let count = window.map_or(0, Window::count);
            if count + limit.weight > limit.max {
                let retry_after = window.map_or(u64::from(limit.interval), |w| {
                    w.retry_after(t, limit.max, limit.weight)
                });
                return LimitReply::Refused(Refused::Limit {
                    name: limit.name.clone(),
                    max: limit.max,
                    interval: limit.interval,
                    retry_after,
                });
            }
        }
        for limit in limits {
            if let Some(window) = self.window(&limit.name) {
                window.interval = limit.interval;
                window.add(t, limit.weight);
            }
        }
        let mut recorded = false;
        if let Some(p) = probe.filter(|p| p.mode != FraudMode::Off) {
            if !self.recent.iter().any(|r| r.dest == p.dest) {
                if self.recent.len() >= MAX_RECENT {
                    self.recent.remove(0);
                }
                self.recent.push(Recent {
                    dest: p.dest,
                    near: p.near,
                    at: t,
                    weight: p.weight,
                    converted: false,
                });
                recorded = true;
            }
        }
        LimitReply::Reserved {
            at: now,
            recorded,
            flagged,
        }
    }

    fn release(&mut self, at: Timestamp, limits: &[Limit], dest: Option<u64>) {
        let t = at.unix_seconds();
        for limit in limits {
            if let Some(w) = self.counters.iter_mut().find(|w| w.name == limit.name) {
                w.remove(t, limit.weight);
            }
        }
        self.counters.retain(|w| !w.bins.is_empty());
        if let Some(dest) = dest {
            self.recent
                .retain(|r| !(r.dest == dest && r.at == t && !r.converted));
        }
    }
}

/// Runs one command on a shard's state (the coordinator's side of the port).
pub fn execute(shard: &mut Shard, command: LimitCommand, now: Timestamp) -> LimitReply {
    match command {
        LimitCommand::Reserve { limits, probe } => shard.reserve(&limits, probe.as_ref(), now),
        LimitCommand::Release { at, limits, dest } => {
            shard.release(at, &limits, dest);
            LimitReply::Done
        }
        LimitCommand::Converted { dest } => {
            for r in shard.recent.iter_mut().filter(|r| r.dest == dest) {
                r.converted = true;
            }
            LimitReply::Done
        }
        LimitCommand::Unblock => {
            shard.block = None;
            shard.recent.retain(|r| r.converted);
            LimitReply::Done
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Timestamp = Timestamp::from_unix_seconds(1_700_000_000);

    fn limit(name: &str, max: u64, interval: u32) -> Limit {
        Limit {
            name: name.into(),
            max,
            interval,
            weight: 1,
        }
    }

    fn reserve(
        shard: &mut Shard,
        limits: &[Limit],
        probe: Option<Probe>,
        at: Timestamp,
    ) -> LimitReply {
        execute(
            shard,
            LimitCommand::Reserve {
                limits: limits.to_vec(),
                probe,
            },
            at,
        )
    }

    fn probe(dest: u64, near: u64) -> Probe {
        Probe {
            dest,
            near,
            weight: 1,
            mode: FraudMode::Block,
            near_max: 2,
            unconverted_max: 6,
            min_conversion_percent: 20,
            window: 3600,
            block_seconds: 43_200,
        }
    }

    fn refused_limit(reply: &LimitReply) -> Option<u64> {
        match reply {
            LimitReply::Refused(Refused::Limit { retry_after, .. }) => Some(*retry_after),
            _ => None,
        }
    }

    #[test]
    fn a_window_never_admits_more_than_max_in_any_interval() {
        let mut s = Shard::default();
        let l = [limit("h", 3, 3600)];
        let mut admitted: Vec<u64> = Vec::new();
        for step in 0..2000u64 {
            let t = T0.plus_seconds(step * 7);
            if matches!(reserve(&mut s, &l, None, t), LimitReply::Reserved { .. }) {
                admitted.push(t.unix_seconds());
            }
        }
        for (i, &t) in admitted.iter().enumerate() {
            let in_window = admitted
                .iter()
                .skip(i)
                .take_while(|&&u| u < t + 3600)
                .count();
            assert!(
                in_window <= 3,
                "{in_window} admitted within an hour from {t}"
            );
        }
        assert!(
            admitted.len() >= 9,
            "it admits again as the window slides: {}",
            admitted.len()
        );
    }

    #[test]
    fn all_or_none_and_retry_after_says_when_one_fits() {
        let mut s = Shard::default();
        let l = [limit("a", 5, 600), limit("b", 2, 3600)];
        assert!(matches!(
            reserve(&mut s, &l, None, T0),
            LimitReply::Reserved { .. }
        ));
        assert!(matches!(
            reserve(&mut s, &l, None, T0.plus_seconds(10)),
            LimitReply::Reserved { .. }
        ));
        let third = reserve(&mut s, &l, None, T0.plus_seconds(20));
        let wait = refused_limit(&third).unwrap();
        assert!(
            (3580..=3660).contains(&wait),
            "an hour after the first, give or take one bin: {wait}"
        );
        assert_eq!(s.counters.iter().find(|w| w.name == "a").unwrap().count(), 2, "a refusal counts nothing");
        assert!(matches!(
            reserve(&mut s, &l, None, T0.plus_seconds(20 + wait)),
            LimitReply::Reserved { .. }
        ));
    }

    #[test]
    fn a_release_undoes_exactly_its_reservation() {
        let mut s = Shard::default();
        let l = [limit("a", 2, 600)];
        let LimitReply::Reserved { at, recorded, .. } = reserve(&mut s, &l, Some(probe(7, 70)), T0)
        else {
            panic!()
        };
        assert!(recorded);
        execute(
            &mut s,
            LimitCommand::Release {
                at,
                limits: l.to_vec(),
                dest: Some(7),
            },
            T0.plus_seconds(1),
        );
        assert_eq!(s, Shard::default());
    }

    #[test]
    fn consecutive_numbers_block_the_block_and_approvals_keep_it_open() {
        let mut s = Shard::default();
        assert!(matches!(
            reserve(&mut s, &[], Some(probe(1, 100)), T0),
            LimitReply::Reserved { .. }
        ));
        assert!(matches!(
            reserve(&mut s, &[], Some(probe(2, 100)), T0),
            LimitReply::Reserved { .. }
        ));
        let third = reserve(&mut s, &[], Some(probe(3, 100)), T0);
        assert!(
            matches!(third, LimitReply::Refused(Refused::Fraud { new: true, .. })),
            "{third:?}"
        );
        let other = reserve(&mut s, &[], Some(probe(4, 200)), T0.plus_seconds(60));
        assert!(
            matches!(
                other,
                LimitReply::Refused(Refused::Fraud { new: false, .. })
            ),
            "the whole shard is blocked"
        );
        execute(&mut s, LimitCommand::Unblock, T0);
        assert!(matches!(
            reserve(&mut s, &[], Some(probe(5, 300)), T0),
            LimitReply::Reserved { .. }
        ));

        let mut s = Shard::default();
        for dest in 1..=10 {
            assert!(
                matches!(
                    reserve(&mut s, &[], Some(probe(dest, dest * 1000)), T0),
                    LimitReply::Reserved { .. }
                ),
                "{dest}"
            );
            execute(&mut s, LimitCommand::Converted { dest }, T0);
        }
        assert!(
            matches!(
                reserve(&mut s, &[], Some(probe(11, 100)), T0),
                LimitReply::Reserved { .. }
            ),
            "converting traffic is never blocked"
        );
    }

    #[test]
    fn low_conversion_blocks_and_monitor_mode_only_reports() {
        let mut s = Shard::default();
        let mut blocked_at = None;
        for dest in 1..=20u64 {
            if let LimitReply::Refused(Refused::Fraud { .. }) =
                reserve(&mut s, &[], Some(probe(dest, dest * 1000)), T0)
            {
                blocked_at = Some(dest);
                break;
            }
        }
        assert_eq!(
            blocked_at,
            Some(7),
            "the seventh unapproved destination trips the guard"
        );

        let mut s = Shard::default();
        let mut flagged = 0;
        for dest in 1..=20u64 {
            let mut p = probe(dest, 100);
            p.mode = FraudMode::Monitor;
            match reserve(&mut s, &[], Some(p), T0) {
                LimitReply::Reserved {
                    flagged: Some(_), ..
                } => flagged += 1,
                LimitReply::Reserved { .. } => {}
                other => panic!("monitor mode refused: {other:?}"),
            }
        }
        assert_eq!(
            flagged, 1,
            "monitor mode reports a block once, and refuses nothing"
        );
        let mut enforce = probe(99, 100);
        enforce.mode = FraudMode::Block;
        assert!(
            matches!(
                reserve(&mut s, &[], Some(enforce), T0),
                LimitReply::Refused(Refused::Fraud { new: true, .. })
            ),
            "block mode judges again"
        );
    }

    #[test]
    fn a_resend_to_a_known_destination_is_not_new_evidence() {
        let mut s = Shard::default();
        reserve(&mut s, &[], Some(probe(1, 100)), T0);
        reserve(&mut s, &[], Some(probe(2, 100)), T0);
        for _ in 0..4 {
            assert!(matches!(
                reserve(&mut s, &[], Some(probe(2, 100)), T0),
                LimitReply::Reserved {
                    recorded: false,
                    ..
                }
            ));
        }
    }

    #[test]
    fn state_round_trips_and_expires() {
        let mut s = Shard::default();
        reserve(&mut s, &[limit("a", 5, 600)], Some(probe(1, 2)), T0);
        let text = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Shard>(&text).unwrap(), s);
        let end = s.expires_at(3600).unwrap();
        assert_eq!(
            end,
            T0.plus_seconds(3600),
            "the guard's memory outlasts the 10-minute window"
        );
        s.prune(end, 3600);
        assert!(s.is_empty(), "{s:?}");
        assert!(Shard::default().expires_at(3600).is_none());
    }
}
