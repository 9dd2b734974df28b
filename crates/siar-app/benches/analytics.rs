//! Analytics benchmark: ten million metric snapshots (3 years, 20 channels)
//! and the three queries the pages lean on, timed on SQLite and PostgreSQL,
//! with the same aggregation in DuckDB as the reference.
//!
//! `cargo bench -p siar-app --bench analytics` prints, per engine: load and
//! rollup-rebuild times, then p50/p95 of
//! - overview: per-channel totals of a 90-day range and of the 90 days before,
//!   plus the day-by-day series (what the summary page reads);
//! - per category: per-category totals of a 365-day range;
//! - heatmap: weekday × hour of a 365-day range, for all channels and for
//!   the busiest channel alone.
//!
//! Distribution: posting on weekdays more than weekends, working hours and
//! evenings more than nights, a few busy channels and many quiet ones;
//! engagement log-normal-ish with a heavy tail; Mastodon/Bluesky-like
//! channels (every fourth) give no views or reach. Each delivery has six
//! snapshots (+1 h … +30 d), growing towards its final numbers.
//!
//! Sizes from the environment: BENCH_SNAPSHOTS (10,000,000), BENCH_RUNS (40);
//! BENCH_ONLY=sqlite|postgres; BENCH_DUCKDB=0 skips the DuckDB reference
//! (which needs `pip install duckdb`; the bench tells when it is missing).

use siar_domain::Timestamp;
use siar_domain::analytics::{DayRange, day_start, local_slot};
use siar_domain::org::OrgId;
use siar_store::Store;
use siar_store::analytics::{self as store, GroupBy};
use siar_testkit::TestDb;
use std::time::{Duration, Instant};

const CHANNELS: i64 = 20;
const DAYS: i64 = 1_095;
const SNAPS_PER_DELIVERY: i64 = 6;

fn env_num(k: &str, d: u64) -> u64 {
    std::env::var(k)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(d)
}

/// splitmix64: reproducible pseudo-random numbers.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// A heavy-tailed positive number around `median`.
    fn lognormal(&mut self, median: f64) -> f64 {
        // Sum of uniforms ≈ normal; exp gives the tail.
        let n: f64 = (0..4).map(|_| self.unit()).sum::<f64>() - 2.0;
        median * (n * 1.1).exp()
    }
}

fn pct(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i].as_secs_f64() * 1000.0
}

async fn exec(store: &Store, sql: &str) {
    let mut tx = store.begin().await.expect("begin");
    tx.raw(sql).await.expect("insert");
    tx.commit().await.expect("commit");
}

/// Loads the data; returns the organisation and the last day.
async fn load(
    store: &Store,
    snapshots: i64,
    csv: Option<&std::path::Path>,
) -> (OrgId, i32, Duration) {
    use std::io::Write;
    let mut out = csv.map(|p| std::io::BufWriter::new(std::fs::File::create(p).expect("csv file")));
    if let Some(o) = out.as_mut() {
        writeln!(
            o,
            "channel_id,day,weekday,hour,category,views,reach,likes,comments,shares,saves,base"
        )
        .expect("csv");
    }
    let started = Instant::now();
    let tz = chrono_tz::Asia::Jakarta;
    let now = Timestamp(1_796_004_000_000);
    let (today, _, _) = local_slot(now, tz);
    let settings = siar_domain::org::OrgSettings {
        name: "Bench".into(),
        timezone: tz,
        default_lang: siar_domain::org::Lang::Id,
        opening_hours: siar_domain::org::OpeningHours::library_default(),
        holidays: vec![],
        require_alt: false,
    };
    let mut tx = store.begin().await.expect("begin");
    let org = siar_store::org::insert_org(&mut tx, "bench", &settings, now)
        .await
        .expect("org");
    tx.commit().await.expect("commit");
    let o = org.id.0;
    let mut sql = String::from(
        "INSERT INTO channels (id, org_id, platform, remote_id, name, handle, status, credentials, created_at, updated_at) VALUES ",
    );
    for c in 1..=CHANNELS {
        if c > 1 {
            sql.push(',');
        }
        sql.push_str(&format!(
            "({c}, {o}, 'practice', 'bench-{c}', 'Kanal {c}', 'kanal{c}', 'connected', '', {n}, {n})",
            n = now.0
        ));
    }
    exec(store, &sql).await;
    let deliveries = snapshots / SNAPS_PER_DELIVERY;
    // Channel weights: a few busy, many quiet.
    let weights: Vec<f64> = (0..CHANNELS)
        .map(|c| 1.0 / (1.0 + c as f64 * 0.35))
        .collect();
    let wsum: f64 = weights.iter().sum();
    let mut rng = Rng(42);
    let categories = [
        "artikel",
        "video_edukasi",
        "acara_virtual",
        "konten_interaktif",
        "konten_pengguna",
        "program_membaca",
        "akses_digital",
        "pengumuman",
    ];
    let hour_weight = |h: u32| match h {
        7..=9 => 1.0,
        10..=15 => 1.4,
        16..=18 => 1.0,
        19..=21 => 1.8,
        22..=23 => 0.4,
        _ => 0.1,
    };
    let batch = 4_000;
    let mut id = 0i64;
    let mut snap_id = 0i64;
    while id < deliveries {
        let mut posts = String::from(
            "INSERT INTO posts (id, org_id, text, publish_at, created_at, updated_at, category) VALUES ",
        );
        let mut dels = String::from(
            "INSERT INTO deliveries (id, org_id, post_id, channel_id, state, text, media, publish_at, marker, remote_id, published_at, created_at, updated_at) VALUES ",
        );
        let mut latest = String::from(
            "INSERT INTO delivery_metrics (delivery_id, org_id, channel_id, post_id, published_at, day, weekday, hour, category, stage, taken_at, views, reach, likes, comments, shares, saves, clicks, base, basis) VALUES ",
        );
        let mut snaps = String::from(
            "INSERT INTO metric_snapshots (id, org_id, delivery_id, taken_at, views, reach, likes, comments, shares, saves, clicks) VALUES ",
        );
        let end = (id + batch).min(deliveries);
        let mut first = true;
        while id < end {
            id += 1;
            // Channel by weight.
            let mut pick = rng.unit() * wsum;
            let mut ch = 1;
            for (i, w) in weights.iter().enumerate() {
                if pick < *w {
                    ch = i as i64 + 1;
                    break;
                }
                pick -= w;
            }
            // Day: uniform over three years, weekends thinned.
            let mut day_back = (rng.unit() * DAYS as f64) as i64;
            let (_, wd, _) = local_slot(day_start(today - day_back as i32, tz), tz);
            if wd >= 5 && rng.unit() < 0.5 {
                day_back = (day_back + 2) % DAYS;
            }
            let day = today - day_back as i32;
            // Hour by weight.
            let total: f64 = (0..24).map(hour_weight).sum();
            let mut pick = rng.unit() * total;
            let mut hour = 12;
            for h in 0..24 {
                if pick < hour_weight(h) {
                    hour = h;
                    break;
                }
                pick -= hour_weight(h);
            }
            let at = day_start(day, tz).0
                + i64::from(hour) * 3_600_000
                + (rng.unit() * 3_600_000.0) as i64;
            let (lday, lwd, lhour) = local_slot(Timestamp(at), tz);
            let cat = categories[(rng.next() % 8) as usize];
            let no_views = ch % 4 == 0;
            let reach = rng.lognormal(400.0).round() as i64;
            let views = (reach as f64 * (1.2 + rng.unit())).round() as i64;
            let eng = (reach as f64 * rng.lognormal(0.04)).round() as i64;
            let likes = eng * 7 / 10;
            let comments = eng / 10;
            let shares = eng / 10;
            let saves = eng - likes - comments - shares;
            let clicks = (reach as f64 * 0.01 * rng.unit()).round() as i64;
            let sep = if first { "" } else { "," };
            first = false;
            posts.push_str(&format!(
                "{sep}({id}, {o}, 'Bench post {id} #PalembangBaca', {at}, {at}, {at}, '{cat}')"
            ));
            dels.push_str(&format!(
                "{sep}({id}, {o}, {id}, {ch}, 'published', 'Bench post {id}', '[]', {at}, 'b{id}', 'r{id}', {at}, {at}, {at})"
            ));
            let v = |x: i64| {
                if no_views {
                    "NULL".to_string()
                } else {
                    x.to_string()
                }
            };
            let base = if no_views { 2_000 } else { reach.max(1) };
            let basis = if no_views { "followers" } else { "reach" };
            latest.push_str(&format!(
                "{sep}({id}, {o}, {ch}, {id}, {at}, {lday}, {lwd}, {lhour}, '{cat}', 6, {at}, {}, {}, {likes}, {comments}, {shares}, {saves}, {}, {base}, '{basis}')",
                v(views),
                v(reach),
                v(clicks),
            ));
            if let Some(o) = out.as_mut() {
                let c = |x: i64| {
                    if no_views {
                        String::new()
                    } else {
                        x.to_string()
                    }
                };
                writeln!(
                    o,
                    "{ch},{lday},{lwd},{lhour},{cat},{},{},{likes},{comments},{shares},{saves},{base}",
                    c(views),
                    c(reach)
                )
                .expect("csv");
            }
            for (k, frac) in [0.3, 0.6, 0.85, 0.95, 0.99, 1.0].iter().enumerate() {
                snap_id += 1;
                let taken = at + [1, 6, 24, 72, 168, 720][k] * 3_600_000;
                let f = |x: i64| (x as f64 * frac).round() as i64;
                let s = if snaps.ends_with("VALUES ") { "" } else { "," };
                snaps.push_str(&format!(
                    "{s}({snap_id}, {o}, {id}, {taken}, {}, {}, {}, {}, {}, {}, {})",
                    v(f(views)),
                    v(f(reach)),
                    f(likes),
                    f(comments),
                    f(shares),
                    f(saves),
                    v(f(clicks)),
                ));
            }
        }
        let mut tx = store.begin().await.expect("begin");
        // Bulk load: the commit need not wait for the disk.
        tx.relaxed_durability().await.expect("relaxed");
        for sql in [&posts, &dels, &latest, &snaps] {
            tx.raw(sql).await.expect("insert");
        }
        tx.commit().await.expect("commit");
    }
    (OrgId(o), today, started.elapsed())
}

async fn time_queries(store: &Store, org: OrgId, today: i32, runs: u64) -> [(String, f64, f64); 4] {
    let mut rng = Rng(7);
    let mut ov = Vec::new();
    let mut cat = Vec::new();
    let mut heat = Vec::new();
    let mut heat_one = Vec::new();
    for _ in 0..runs {
        let end = today - (rng.unit() * 700.0) as i32;
        let r90 = DayRange::last(end, 90);
        let r365 = DayRange::last(end, 365);
        let t = Instant::now();
        let mut tx = store.read().await.expect("read");
        store::totals(&mut tx, org, r90, GroupBy::Channel, None)
            .await
            .expect("q");
        store::totals(&mut tx, org, r90.previous(), GroupBy::Channel, None)
            .await
            .expect("q");
        store::totals(&mut tx, org, r90, GroupBy::Day, None)
            .await
            .expect("q");
        tx.commit().await.expect("c");
        ov.push(t.elapsed());
        let t = Instant::now();
        let mut tx = store.read().await.expect("read");
        store::totals(&mut tx, org, r365, GroupBy::Category, None)
            .await
            .expect("q");
        tx.commit().await.expect("c");
        cat.push(t.elapsed());
        let t = Instant::now();
        let mut tx = store.read().await.expect("read");
        store::heat(&mut tx, org, r365, None).await.expect("q");
        tx.commit().await.expect("c");
        heat.push(t.elapsed());
        // The busiest channel alone (the filter on the best-time page).
        let t = Instant::now();
        let mut tx = store.read().await.expect("read");
        store::heat(&mut tx, org, r365, Some(1)).await.expect("q");
        tx.commit().await.expect("c");
        heat_one.push(t.elapsed());
    }
    [
        (
            "overview (90 d + previous + daily)".into(),
            pct(ov.clone(), 0.5),
            pct(ov, 0.95),
        ),
        (
            "per category (365 d)".into(),
            pct(cat.clone(), 0.5),
            pct(cat, 0.95),
        ),
        (
            "heatmap (365 d)".into(),
            pct(heat.clone(), 0.5),
            pct(heat, 0.95),
        ),
        (
            "heatmap, busiest channel (365 d)".into(),
            pct(heat_one.clone(), 0.5),
            pct(heat_one, 0.95),
        ),
    ]
}

async fn run(name: &str, db: TestDb, snapshots: i64, runs: u64, csv: Option<&std::path::Path>) {
    let store = db.store.clone();
    let (org, today, load_t) = load(&store, snapshots, csv).await;
    let t = Instant::now();
    let mut tx = store.begin().await.expect("begin");
    store::rebuild(&mut tx, org).await.expect("rebuild");
    tx.commit().await.expect("commit");
    let rebuild_t = t.elapsed();
    // Statistics, and on PostgreSQL the visibility map and hint bits a
    // running server's autovacuum would have set (VACUUM runs outside a
    // transaction).
    let mut tx = store.autocommit().await.expect("autocommit");
    let sql = if name == "PostgreSQL" {
        "VACUUM ANALYZE"
    } else {
        "ANALYZE"
    };
    tx.raw(sql).await.expect("analyze");
    tx.commit().await.expect("commit");
    println!(
        "{name}: {snapshots} snapshots of {} deliveries loaded in {:.1} s; rollups rebuilt in {:.1} s",
        snapshots / SNAPS_PER_DELIVERY,
        load_t.as_secs_f64(),
        rebuild_t.as_secs_f64()
    );
    for (q, p50, p95) in time_queries(&store, org, today, runs).await {
        println!("{name}: {q:<36} p50 {p50:>7.1} ms   p95 {p95:>7.1} ms");
    }
    db.cleanup().await;
}

/// The same aggregations in DuckDB over the latest numbers (no rollups: DuckDB
/// scans its columns), timed the same way.
const DUCKDB: &str = r#"
import sys, time, random, statistics
try:
    import duckdb
except ImportError:
    print("DuckDB reference: the duckdb Python package is missing (pip install duckdb)")
    sys.exit(0)
csv, today, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
con = duckdb.connect()
t = time.perf_counter()
con.execute(f"CREATE TABLE m AS SELECT * FROM read_csv_auto('{csv}')")
print(f"DuckDB {duckdb.__version__}: loaded in {time.perf_counter() - t:.1f} s")
rng = random.Random(7)
known = "(likes IS NOT NULL OR comments IS NOT NULL OR shares IS NOT NULL OR saves IS NOT NULL)"
eng = "(COALESCE(likes,0)+COALESCE(comments,0)+COALESCE(shares,0)+COALESCE(saves,0))"
def q_overview(end):
    a, b = end - 89, end
    for lo, hi in ((a, b), (a - 90, a - 1)):
        con.execute(f"SELECT channel_id, COUNT(*), SUM(views), COUNT(views), SUM(reach), COUNT(reach), SUM(CASE WHEN {known} THEN {eng} END), SUM(CASE WHEN {known} AND base > 0 THEN {eng} END), SUM(CASE WHEN {known} AND base > 0 THEN base END) FROM m WHERE day BETWEEN {lo} AND {hi} GROUP BY channel_id").fetchall()
    con.execute(f"SELECT day, COUNT(*), SUM(CASE WHEN {known} THEN {eng} END) FROM m WHERE day BETWEEN {a} AND {b} GROUP BY day").fetchall()
def q_cat(end):
    con.execute(f"SELECT category, COUNT(*), SUM(views), SUM(CASE WHEN {known} THEN {eng} END), SUM(CASE WHEN {known} AND base > 0 THEN base END) FROM m WHERE day BETWEEN {end - 364} AND {end} GROUP BY category").fetchall()
def q_heat(end):
    con.execute(f"SELECT weekday, hour, COUNT(*), SUM(CASE WHEN {known} AND base > 0 THEN {eng} END), SUM(CASE WHEN {known} AND base > 0 THEN base END) FROM m WHERE day BETWEEN {end - 364} AND {end} GROUP BY weekday, hour").fetchall()
def q_heat_one(end):
    con.execute(f"SELECT weekday, hour, COUNT(*), SUM(CASE WHEN {known} AND base > 0 THEN {eng} END), SUM(CASE WHEN {known} AND base > 0 THEN base END) FROM m WHERE channel_id = 1 AND day BETWEEN {end - 364} AND {end} GROUP BY weekday, hour").fetchall()
for name, f in (("overview (90 d + previous + daily)", q_overview), ("per category (365 d)", q_cat), ("heatmap (365 d)", q_heat), ("heatmap, busiest channel (365 d)", q_heat_one)):
    ts = []
    for _ in range(runs):
        end = today - int(rng.random() * 700)
        t = time.perf_counter(); f(end); ts.append((time.perf_counter() - t) * 1000)
    ts.sort()
    p = lambda q: ts[round((len(ts) - 1) * q)]
    print(f"DuckDB: {name:<36} p50 {p(0.5):>7.1f} ms   p95 {p(0.95):>7.1f} ms")
"#;

#[tokio::main]
async fn main() {
    let snapshots = env_num("BENCH_SNAPSHOTS", 10_000_000) as i64;
    let runs = env_num("BENCH_RUNS", 40);
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let duck = std::env::var("BENCH_DUCKDB").map_or(true, |v| v != "0");
    let csv = std::env::temp_dir().join(format!("siar-bench-{}.csv", std::process::id()));
    let mut wrote_csv = false;
    println!(
        "Analytics benchmark: {snapshots} snapshots, {CHANNELS} channels, {DAYS} days, {runs} runs per query"
    );
    if only != "postgres" {
        run(
            "SQLite",
            TestDb::sqlite().await,
            snapshots,
            runs,
            duck.then_some(csv.as_path()),
        )
        .await;
        wrote_csv = duck;
    }
    if only != "sqlite" {
        match TestDb::postgres().await {
            Some(db) => {
                let path = (duck && !wrote_csv).then_some(csv.as_path());
                run("PostgreSQL", db, snapshots, runs, path).await;
                wrote_csv |= path.is_some();
            }
            None => println!("PostgreSQL unreachable: skipped"),
        }
    }
    if wrote_csv {
        let today = local_slot(Timestamp(1_796_004_000_000), chrono_tz::Asia::Jakarta).0;
        let out = std::process::Command::new("python3")
            .arg("-c")
            .arg(DUCKDB)
            .arg(&csv)
            .arg(today.to_string())
            .arg(runs.to_string())
            .output();
        match out {
            Ok(o) => print!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(e) => println!("DuckDB reference not run: {e}"),
        }
        let _ = std::fs::remove_file(&csv);
    }
}
