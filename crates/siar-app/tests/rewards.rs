//! Points, rewards and vouchers (issue 7), on SQLite and PostgreSQL: no
//! double spend, no overselling, one redemption, under concurrent requests.

use siar_app::patrons::{self, PatronSession, SetupInput};
use siar_app::{AppError, rewards};
use siar_domain::org::Lang;
use siar_domain::rewards::RewardInput;
use siar_testkit::dual_test;
use siar_testkit::publishing::Bench;

fn key<T: std::fmt::Debug>(r: Result<T, AppError>) -> &'static str {
    match r {
        Err(AppError::Invalid(p)) => p.0[0].key,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn patron(b: &Bench, email: &str, nickname: &str) -> (String, PatronSession) {
    let org = b.admin.org;
    patrons::request_code(&b.app, org, email, Lang::Id, "10.1.0.1")
        .await
        .unwrap();
    let codes = patrons::readable_codes(&b.app, &b.admin).await.unwrap();
    let code = codes.iter().find(|c| c.0 == email).unwrap().1.clone();
    let token = patrons::verify_code(&b.app, org, email, &code, Lang::Id)
        .await
        .unwrap();
    let s = patrons::session(&b.app, &token).await.unwrap().unwrap();
    patrons::set_up(
        &b.app,
        &s,
        &SetupInput {
            nickname: nickname.into(),
            consent: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let s = patrons::session(&b.app, &token).await.unwrap().unwrap();
    (token, s)
}

fn reward(name: &str, cost: i64, stock: Option<i64>) -> RewardInput {
    RewardInput {
        name: name.into(),
        description: String::new(),
        cost: cost.to_string(),
        stock: stock.map(|s| s.to_string()).unwrap_or_default(),
    }
}

async fn balance(b: &Bench, s: &PatronSession) -> i64 {
    let p = rewards::points(&b.app, s).await.unwrap();
    let own = s.active.as_ref().unwrap().id;
    let kept = p.balances.iter().find(|x| x.0 == own).unwrap().2;
    // The kept balance always equals the ledger's sum.
    let mut tx = b.app.store.read().await.unwrap();
    let sum = siar_store::rewards::ledger_sum(&mut tx, s.org, own)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(kept, sum, "balance and ledger agree");
    kept
}

dual_test!(points_buy_a_voucher_that_is_used_once, |store| async move {
    let b = Bench::new(store).await;
    let app = &b.app;
    let (_, s) = patron(&b, "rina@mail.example", "Rina Rajin").await;
    // Staff give points by nickname; bad input changes nothing.
    assert_eq!(
        key(rewards::award(app, &b.editor, "Tidak Ada", "20", "komentator aktif").await),
        "rw-err-nickname"
    );
    assert_eq!(
        key(rewards::award(app, &b.editor, "Rina Rajin", "-5", "x").await),
        "rw-err-points"
    );
    assert!(matches!(
        rewards::award(app, &b.contributor, "Rina Rajin", "5", "x").await,
        Err(AppError::Forbidden)
    ));
    rewards::award(app, &b.editor, " rina  rajin ", "60", "komentator aktif")
        .await
        .unwrap();
    assert_eq!(balance(&b, &s).await, 60);
    let fine = rewards::create_reward(app, &b.editor, &reward("Bebas denda sekali", 50, None))
        .await
        .unwrap();
    let shirt = rewards::create_reward(app, &b.editor, &reward("Kaos", 100, Some(3)))
        .await
        .unwrap();
    assert_eq!(
        key(rewards::create_reward(app, &b.editor, &reward("", 0, None)).await),
        "err-required"
    );
    // Too few points: refused, nothing moved, stock untouched.
    assert_eq!(key(rewards::take(app, &s, shirt).await), "rw-err-too-few");
    assert_eq!(balance(&b, &s).await, 60);
    let all = rewards::all_rewards(app, &b.analyst).await.unwrap();
    assert_eq!(all.iter().find(|r| r.id == shirt).unwrap().stock, Some(3));
    // Enough: a voucher, points spent.
    let code = rewards::take(app, &s, fine).await.unwrap();
    assert_eq!(balance(&b, &s).await, 10);
    let v = rewards::voucher(app, &s, &code).await.unwrap();
    assert_eq!(v.reward, "Bebas denda sekali");
    let svg = rewards::voucher_qr(app, &s, &code).await.unwrap();
    assert!(svg.starts_with("<?xml") || svg.contains("<svg"), "{svg}");
    // Someone else's code is not shown to another family.
    let (_, other) = patron(&b, "doni@mail.example", "Doni Baca").await;
    assert!(matches!(
        rewards::voucher(app, &other, &code).await,
        Err(AppError::NotFound)
    ));
    // The desk: typed in lower case without the dash, once.
    assert_eq!(
        key(rewards::redeem(app, &b.contributor, "ZZ").await),
        "rw-err-code"
    );
    assert_eq!(
        key(rewards::redeem(app, &b.editor, "ACDE-FGHJ").await),
        "rw-err-unknown"
    );
    assert!(matches!(
        rewards::redeem(app, &b.analyst, &code).await,
        Err(AppError::Forbidden)
    ));
    let typed = code.to_lowercase().replace('-', "");
    let used = rewards::redeem(app, &b.editor, &typed).await.unwrap();
    assert!(used.redeemed_at.is_some());
    assert_eq!(
        key(rewards::redeem(app, &b.editor, &code).await),
        "rw-err-used"
    );
    let p = rewards::points(app, &s).await.unwrap();
    assert_eq!(p.ledger.len(), 2);
    assert_eq!(p.ledger[0].delta, -50);
    assert_eq!(p.ledger[1].reason, "award");
    assert!(p.vouchers[0].redeemed_at.is_some());
});

dual_test!(
    concurrent_requests_never_oversell_or_double_spend,
    |store| async move {
        let b = Bench::new(store).await;
        let app = &b.app;
        let (_, a) = patron(&b, "a@mail.example", "Pembaca Satu").await;
        let (_, c) = patron(&b, "c@mail.example", "Pembaca Dua").await;
        for n in ["Pembaca Satu", "Pembaca Dua"] {
            rewards::award(app, &b.editor, n, "100", "tantangan")
                .await
                .unwrap();
        }
        // The last one in stock, asked for by two patrons at once: one gets it.
        let last = rewards::create_reward(app, &b.editor, &reward("Tas kain", 40, Some(1)))
            .await
            .unwrap();
        let (x, y) = tokio::join!(rewards::take(app, &a, last), rewards::take(app, &c, last));
        assert!(x.is_ok() != y.is_ok(), "{x:?} {y:?}");
        let loser = if x.is_ok() { y } else { x };
        assert_eq!(key(loser), "rw-err-no-stock");
        assert_eq!(balance(&b, &a).await + balance(&b, &c).await, 160);
        let all = rewards::all_rewards(app, &b.analyst).await.unwrap();
        assert_eq!(all.iter().find(|r| r.id == last).unwrap().stock, Some(0));
        // One patron's points for exactly one of two rewards, asked at once:
        // one voucher, never a negative balance.
        let one = rewards::create_reward(app, &b.editor, &reward("Stiker", 60, None))
            .await
            .unwrap();
        let two = rewards::create_reward(app, &b.editor, &reward("Pin", 60, None))
            .await
            .unwrap();
        let rich = if balance(&b, &a).await == 100 { &a } else { &c };
        let (x, y) = tokio::join!(rewards::take(app, rich, one), rewards::take(app, rich, two));
        assert!(x.is_ok() != y.is_ok(), "{x:?} {y:?}");
        assert_eq!(key(if x.is_ok() { y } else { x }), "rw-err-too-few");
        assert_eq!(balance(&b, rich).await, 40);
        // Two desks redeem the same voucher at the same moment: once.
        let p = rewards::points(app, rich).await.unwrap();
        let code = p.vouchers[0].code.clone();
        let desk2 = b.admin.clone();
        let (x, y) = tokio::join!(
            rewards::redeem(app, &b.editor, &code),
            rewards::redeem(app, &desk2, &code)
        );
        assert!(x.is_ok() != y.is_ok(), "{x:?} {y:?}");
        assert_eq!(key(if x.is_ok() { y } else { x }), "rw-err-used");
        assert_eq!(
            rewards::recently_redeemed(app, &b.editor)
                .await
                .unwrap()
                .len(),
            1
        );
        // A withdrawn reward cannot be taken.
        rewards::update_reward(app, &b.editor, one, &reward("Stiker", 60, None), false)
            .await
            .unwrap();
        rewards::award(app, &b.editor, "Pembaca Satu", "100", "x")
            .await
            .unwrap();
        assert_eq!(key(rewards::take(app, &a, one).await), "rw-err-withdrawn");
        assert!(
            rewards::catalogue(app, b.admin.org)
                .await
                .unwrap()
                .iter()
                .all(|r| r.id != one)
        );
    }
);
