//! Organisations from the command line, and the demo library.

use crate::auth::hash_password;
use crate::{App, AppError};
use chrono::NaiveDate;
use siar_domain::channels::Platform;
use siar_domain::org::{
    DEMO_PASSWORD, Holiday, Lang, OpeningHours, OrgSettings, Organisation, Role, is_valid_slug,
};
use siar_store::{StoreError, org};

pub const DEMO_SLUG: &str = "palembang";
pub const DEMO_NAME: &str = "Perpustakaan Kota Palembang";

/// The demo staff: one per role.
pub const DEMO_STAFF: [(&str, &str, Role); 5] = [
    ("admin@perpustakaan.example", "Rina Admin", Role::Admin),
    ("editor@perpustakaan.example", "Dedi Editor", Role::Editor),
    (
        "kontributor@perpustakaan.example",
        "Sari Kontributor",
        Role::Contributor,
    ),
    (
        "moderator@perpustakaan.example",
        "Budi Moderator",
        Role::Moderator,
    ),
    ("analis@perpustakaan.example", "Wulan Analis", Role::Analyst),
];

/// Creates an organisation with library defaults (Asia/Jakarta, Indonesian).
pub async fn create_org(app: &App, slug: &str, name: &str) -> Result<Organisation, AppError> {
    let mut p = siar_domain::validate::Problems::default();
    if !is_valid_slug(slug) {
        p.push("slug", "err-slug");
    }
    p.text("name", name, siar_domain::org::MAX_ORG_NAME);
    if !p.is_empty() {
        return Err(AppError::Invalid(p));
    }
    let settings = OrgSettings {
        name: name.trim().to_string(),
        timezone: chrono_tz::Asia::Jakarta,
        default_lang: Lang::Id,
        opening_hours: OpeningHours::library_default(),
        holidays: Vec::new(),
        require_alt: true,
    };
    let mut tx = app.store.begin().await?;
    let o = match org::insert_org(&mut tx, slug, &settings, app.now()).await {
        Ok(o) => o,
        Err(StoreError::Conflict(_)) => return Err(AppError::field("slug", "err-slug-taken")),
        Err(e) => return Err(e.into()),
    };
    crate::inbox::seed_defaults(&mut tx, o.id, app.now()).await?;
    tx.commit().await?;
    Ok(o)
}

/// Seeds the demo library when it does not exist yet. Returns whether it seeded;
/// an existing demo is left exactly as it is.
pub async fn seed(app: &App) -> Result<bool, AppError> {
    seed_library(app, true).await
}

/// The demo library; `with_posts` adds the practice channel and its posts.
pub async fn seed_library(app: &App, with_posts: bool) -> Result<bool, AppError> {
    let mut tx = app.store.read().await?;
    let exists = org::org_by_slug(&mut tx, DEMO_SLUG).await?.is_some();
    tx.rollback().await?;
    if exists {
        return Ok(false);
    }
    let hash = hash_password(DEMO_PASSWORD).await?;
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day);
    let holidays = [
        (d(12, 25), "Hari Raya Natal"),
        (d(12, 26), "Cuti bersama Natal"),
    ]
    .into_iter()
    .filter_map(|(date, name)| {
        date.map(|date| Holiday {
            date,
            name: name.to_string(),
        })
    })
    .collect();
    let settings = OrgSettings {
        name: DEMO_NAME.to_string(),
        timezone: chrono_tz::Asia::Jakarta,
        default_lang: Lang::Id,
        opening_hours: OpeningHours::library_default(),
        holidays,
        require_alt: true,
    };
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let o = org::insert_org(&mut tx, DEMO_SLUG, &settings, now).await?;
    crate::inbox::seed_defaults(&mut tx, o.id, now).await?;
    let mut admin = None;
    let mut staff = Vec::new();
    for (email, name, role) in DEMO_STAFF {
        let u = org::insert_user(
            &mut tx,
            o.id,
            &org::NewUser {
                name,
                email,
                role,
                password_hash: &hash,
            },
            now,
        )
        .await?;
        let actor = crate::Actor {
            org: o.id,
            user: Some(u.id),
            label: email.to_string(),
            role,
            ip: None,
        };
        if role == Role::Admin {
            admin = Some(actor.clone());
        }
        staff.push(actor);
    }
    tx.commit().await?;
    if let Some(admin) = admin.filter(|_| with_posts) {
        let ch = seed_posts(app, &admin).await?;
        let by_role = |r: Role| staff.iter().find(|a| a.role == r).cloned();
        if let (Some(editor), Some(writer)) = (by_role(Role::Editor), by_role(Role::Contributor)) {
            seed_studio(app, &admin, &editor, &writer, ch).await?;
            crate::programs::seed_demo(app, &editor, ch).await?;
        }
    }
    Ok(true)
}

/// The coming Saturday at 07:00 in Palembang (WIB), when the storytelling post
/// goes out ahead of the 09:00 session; a week later if that has passed.
fn next_saturday_morning(now: siar_domain::Timestamp) -> siar_domain::Timestamp {
    use chrono::{Datelike, Days, TimeZone};
    let tz = chrono_tz::Asia::Jakarta;
    let today = now.to_utc().with_timezone(&tz).date_naive();
    let ahead = (5 + 7 - today.weekday().num_days_from_monday()) % 7;
    let at = |d: chrono::NaiveDate| {
        d.and_hms_opt(7, 0, 0)
            .and_then(|t| tz.from_local_datetime(&t).earliest())
            .map(|t| siar_domain::Timestamp(t.timestamp_millis()))
    };
    let candidate = today
        .checked_add_days(Days::new(u64::from(ahead)))
        .and_then(at);
    match candidate {
        Some(t) if t > now => t,
        _ => today
            .checked_add_days(Days::new(u64::from(ahead) + 7))
            .and_then(at)
            .unwrap_or(now.plus(std::time::Duration::from_secs(86_400))),
    }
}

/// The demo's practice channel with two posts to publish at once and two for
/// the coming days (the demo's worker publishes the first two).
async fn seed_posts(app: &App, admin: &crate::Actor) -> Result<i64, AppError> {
    let ch = crate::channels::connect_practice(app, admin).await?;
    let now = app.now();
    let day = std::time::Duration::from_secs(86_400);
    let posts = [
        (
            "Selamat datang di Perpustakaan Kota Palembang! 📚 Ruang baca anak yang baru sudah dibuka, ayo berkunjung bersama keluarga. #AyoMembaca #PerpustakaanPalembang",
            None,
        ),
        (
            "Tantangan membaca bulan Desember dimulai hari ini: baca 5 buku dan dapatkan sertifikat dari perpustakaan. Daftar di meja layanan atau lewat portal. #TantanganMembaca",
            None,
        ),
        (
            "Dongeng Sabtu pagi bersama Kak Rina pukul 09.00 WIB di ruang anak. Gratis dan terbuka untuk umum! #DongengSabtu",
            Some(next_saturday_morning(now)),
        ),
        (
            "Kelas literasi digital untuk pelajar: cara mencari e-book dan jurnal di katalog daring perpustakaan. Tempat terbatas, daftar di portal. #LiterasiDigital",
            Some(now.plus(day * 7)),
        ),
    ];
    for (text, at) in posts {
        crate::publishing::schedule(
            app,
            admin,
            &crate::publishing::PostInput {
                text: text.into(),
                channels: vec![ch],
                publish_at: at,
                ..Default::default()
            },
        )
        .await?;
    }
    seed_links(app, admin, ch).await?;
    crate::inbox::seed_demo(app, admin.org, ch).await?;
    // Practice channels that follow Facebook's, Instagram's and X's rules, so
    // a newcomer can try each platform's limits without posting anywhere.
    for like in [Platform::Facebook, Platform::Instagram, Platform::X] {
        crate::channels::connect_practice_like(app, admin, like).await?;
    }
    crate::analytics::seed_demo(app, admin.org, ch).await?;
    Ok(ch)
}

/// A day `days` from today at `hour`:00 in Palembang.
fn local_at(now: siar_domain::Timestamp, days: u64, hour: u32) -> Option<siar_domain::Timestamp> {
    use chrono::{Days, TimeZone};
    let tz = chrono_tz::Asia::Jakarta;
    let day = now
        .to_utc()
        .with_timezone(&tz)
        .date_naive()
        .checked_add_days(Days::new(days))?;
    let t = tz
        .from_local_datetime(&day.and_hms_opt(hour, 0, 0)?)
        .earliest()?;
    Some(siar_domain::Timestamp(t.timestamp_millis()))
}

/// The content studio's demo: the #PalembangBaca and #MingguBukuPalembang
/// campaigns, hashtag groups, a month of planned posts, and drafts in every
/// state of review.
async fn seed_studio(
    app: &App,
    admin: &crate::Actor,
    editor: &crate::Actor,
    writer: &crate::Actor,
    ch: i64,
) -> Result<(), AppError> {
    use crate::studio::{self, DraftInput, SaveKind, Saved};
    use siar_domain::studio::{CampaignForm, Category};
    let now = app.now();
    let tz = chrono_tz::Asia::Jakarta;
    let today = now.to_utc().with_timezone(&tz).date_naive();
    let in_days = |n: u64| {
        today
            .checked_add_days(chrono::Days::new(n))
            .unwrap_or(today)
            .to_string()
    };
    let baca = studio::save_campaign(
        app,
        editor,
        None,
        &CampaignForm {
            name: "#PalembangBaca".into(),
            slug: "palembangbaca".into(),
            goal: "Mengajak warga Palembang, terutama anak dan pelajar, membaca setiap hari dan berkunjung ke perpustakaan.".into(),
            starts_on: in_days(0),
            ends_on: in_days(45),
            hashtags: "#PalembangBaca, #AyoMembaca".into(),
            audiences: vec!["anak".into(), "pelajar".into(), "orang_tua".into(), "umum".into()],
            budget: "2.000.000".into(),
        },
    )
    .await?;
    studio::add_day(
        app,
        admin,
        &in_days(10),
        "Hari jadi Perpustakaan Kota Palembang",
        "Ceritakan sejarah perpustakaan dan ajak warga berbagi kenangan pertama mereka di sini.",
        true,
    )
    .await?;
    let minggu = studio::save_campaign(
        app,
        editor,
        None,
        &CampaignForm {
            name: "Minggu Buku Palembang".into(),
            slug: String::new(),
            goal: "Sepekan pameran buku lokal, bedah buku dan lomba resensi untuk pelajar.".into(),
            starts_on: in_days(14),
            ends_on: in_days(20),
            hashtags: "#MingguBukuPalembang".into(),
            audiences: vec!["pelajar".into(), "mahasiswa".into(), "umum".into()],
            budget: "Rp 5.000.000".into(),
        },
    )
    .await?;
    studio::add_template(
        app,
        editor,
        "Bedah buku",
        "Bedah buku {judul} bersama komunitas baca pada {tanggal} di aula Perpustakaan Kota Palembang. Gratis untuk umum! Daftar: {tautan} #PalembangBaca",
        Some(Category::AcaraVirtual),
    )
    .await?;
    studio::add_template(
        app,
        editor,
        "Buku baru pekan ini",
        "Buku baru pekan ini: {judul}. Sudah bisa dipinjam mulai {tanggal}. Cek ketersediaannya di katalog: {tautan} #AyoMembaca",
        Some(Category::Pengumuman),
    )
    .await?;
    studio::add_hashtag_group(
        app,
        editor,
        "Literasi anak",
        "#DongengSabtu, #AyoMembaca, #LiterasiAnak",
    )
    .await?;
    studio::add_hashtag_group(
        app,
        editor,
        "Akses digital",
        "#LiterasiDigital, #EbookGratis",
    )
    .await?;
    let planned: [(u64, u32, &str, Category, Option<i64>); 12] = [
        (
            1,
            9,
            "Tips memilih buku untuk anak usia 5–7 tahun: pilih yang bergambar besar dan ceritanya dekat dengan keseharian. #PalembangBaca",
            Category::Artikel,
            Some(baca),
        ),
        (
            2,
            19,
            "Video singkat: cara meminjam e-book perpustakaan dari ponsel dalam 3 langkah. #LiterasiDigital",
            Category::VideoEdukasi,
            None,
        ),
        (
            4,
            9,
            "Jajak pendapat: genre apa yang ingin kamu baca bulan ini? Pilih di portal perpustakaan! #PalembangBaca",
            Category::KontenInteraktif,
            Some(baca),
        ),
        (
            6,
            19,
            "Bincang daring bersama penulis muda Palembang, Kamis pukul 19.30 WIB lewat siaran langsung. #AyoMembaca",
            Category::AcaraVirtual,
            Some(baca),
        ),
        (
            8,
            9,
            "Foto kiriman pemustaka: pojok baca keluarga di rumah Bu Siti. Terima kasih sudah berbagi! #PalembangBaca",
            Category::KontenPengguna,
            Some(baca),
        ),
        (
            10,
            9,
            "Tantangan membaca pekan ini: selesaikan satu buku cerita rakyat Sumatera Selatan. #PalembangBaca",
            Category::ProgramMembaca,
            Some(baca),
        ),
        (
            12,
            19,
            "Basis data jurnal untuk mahasiswa bisa diakses gratis dengan kartu anggota. #LiterasiDigital",
            Category::AksesDigital,
            None,
        ),
        (
            14,
            9,
            "Minggu Buku Palembang dimulai hari ini! Pameran buku lokal di lobi, buka pukul 08.00–16.00. #MingguBukuPalembang",
            Category::Pengumuman,
            Some(minggu),
        ),
        (
            16,
            19,
            "Bedah buku \"Laskar Pelangi\" bersama komunitas baca, Rabu pukul 15.00 di aula. #MingguBukuPalembang",
            Category::AcaraVirtual,
            Some(minggu),
        ),
        (
            19,
            9,
            "Lomba resensi untuk pelajar: kirim resensimu sebelum Sabtu. Hadiah voucher buku! #MingguBukuPalembang",
            Category::KontenInteraktif,
            Some(minggu),
        ),
        (
            23,
            9,
            "Kuis Jumat: siapa penulis \"Siti Nurbaya\"? Jawab di portal dan kumpulkan poin. #PalembangBaca",
            Category::KontenInteraktif,
            Some(baca),
        ),
        (
            27,
            19,
            "Rekap sebulan #PalembangBaca: terima kasih untuk ratusan buku yang kalian baca! #AyoMembaca",
            Category::Pengumuman,
            Some(baca),
        ),
    ];
    for (days, hour, text, category, campaign) in planned {
        let input = DraftInput {
            text: text.into(),
            channels: vec![ch],
            publish_at: local_at(now, days, hour),
            category: Some(category),
            campaign_id: campaign,
            shorten_links: true,
            ..Default::default()
        };
        if let Saved::Saved { id, version } =
            studio::save(app, editor, None, 0, &input, SaveKind::Manual).await?
        {
            studio::approve(app, editor, id, version).await?;
        }
    }
    // The practice channel's queue: weekdays at 09:00 and 19:00.
    crate::calendar::set_queue(app, editor, ch, &[1, 2, 3, 4, 5], "09:00, 19:00").await?;
    // Articles on the portal.
    let articles = [
        (
            "Tips Memilih Buku untuk Anak Usia Dini",
            "Lima cara sederhana agar si kecil jatuh cinta pada buku sejak dini.",
            "Membaca bersama anak tidak harus lama. Sepuluh menit sehari sudah berarti.\n\n## Lima tips\n\n1. **Pilih buku bergambar besar** dengan kalimat pendek.\n2. Biarkan anak memilih sendiri di rak buku anak.\n3. Bacakan dengan suara yang ekspresif.\n4. Ajak anak menebak kelanjutan cerita.\n5. Jadikan membaca kebiasaan sebelum tidur.\n\nKunjungi ruang baca anak di lantai 1, buka setiap hari kecuali Senin. Koleksi e-book anak juga bisa dibaca gratis lewat [katalog daring](https://perpustakaan.palembang.go.id/katalog).",
        ),
        (
            "Cara Meminjam E-book Perpustakaan dari Ponsel",
            "Panduan langkah demi langkah meminjam e-book dengan kartu anggota.",
            "Anggota Perpustakaan Kota Palembang bisa meminjam e-book tanpa datang ke perpustakaan.\n\n1. Buka katalog daring dan masuk dengan nomor anggota.\n2. Cari judul buku, lalu pilih *Pinjam e-book*.\n3. Baca langsung di peramban ponsel selama 7 hari.\n\nBelum punya kartu anggota? Daftar gratis di meja layanan dengan membawa KTP atau kartu pelajar.",
        ),
        (
            "Cerita dari Pojok Baca Keluarga",
            "Pemustaka berbagi kebiasaan membaca bersama keluarga di rumah.",
            "Bulan ini kami menerima banyak foto pojok baca di rumah. Terima kasih sudah berbagi!\n\n> \"Setiap malam kami membaca satu cerita rakyat Sumatera Selatan bersama anak-anak.\" — Bu Siti, Ilir Barat\n\nKirim cerita keluargamu dengan tagar **#PalembangBaca**.",
        ),
    ];
    for (title, summary, body) in articles {
        let id = crate::articles::save(
            app,
            editor,
            None,
            &crate::articles::ArticleInput {
                title: title.into(),
                slug: String::new(),
                summary: summary.into(),
                body: body.into(),
                cover: None,
            },
        )
        .await?;
        crate::articles::publish(app, editor, id, true, None, &[]).await?;
    }
    // The contributor's drafts: one being written, one waiting for review,
    // one sent back with a comment.
    let draft = |text: &str, days: Option<u64>| DraftInput {
        text: text.into(),
        channels: vec![ch],
        publish_at: days.and_then(|d| local_at(now, d, 9)),
        category: Some(Category::ProgramMembaca),
        campaign_id: Some(baca),
        shorten_links: true,
        notes: String::new(),
        ..Default::default()
    };
    let d1 = draft(
        "Ide: kelas mendongeng untuk orang tua, belajar membacakan cerita dengan suara yang seru. #PalembangBaca",
        None,
    );
    studio::save(app, writer, None, 0, &d1, SaveKind::Manual).await?;
    let d2 = draft(
        "Pojok baca anak kini punya 200 buku cerita baru! Ajak si kecil berkunjung akhir pekan ini. #PalembangBaca",
        Some(3),
    );
    if let Saved::Saved { id, version } =
        studio::save(app, writer, None, 0, &d2, SaveKind::Manual).await?
    {
        studio::submit(app, writer, id, version).await?;
    }
    let d3 = draft(
        "Perpustakaan buka sampai malam selama Minggu Buku. #palembangbaca",
        Some(15),
    );
    if let Saved::Saved { id, version } =
        studio::save(app, writer, None, 0, &d3, SaveKind::Manual).await?
    {
        studio::submit(app, writer, id, version).await?;
        studio::request_changes(
            app,
            editor,
            id,
            "Sebutkan jam bukanya (sampai pukul 20.00) dan tanggalnya, ya.",
        )
        .await?;
    }
    Ok(())
}

/// Short links of the #PalembangBaca campaign, with a few clicks from phones.
async fn seed_links(app: &App, admin: &crate::Actor, practice: i64) -> Result<(), AppError> {
    use siar_domain::links::LinkRequest;
    let links = [
        (
            "https://perpustakaan.palembang.go.id/katalog",
            "Katalog daring",
            "KatalogPalembang",
            Some(practice),
            3,
        ),
        (
            "https://perpustakaan.palembang.go.id/ebook/anak",
            "E-book anak gratis",
            "EbookAnak",
            Some(practice),
            5,
        ),
        (
            "https://perpustakaan.palembang.go.id/tantangan-membaca",
            "Daftar Tantangan Membaca Desember",
            "",
            None,
            1,
        ),
    ];
    const PHONE: &str = "Mozilla/5.0 (Linux; Android 11; SM-A125F) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36";
    for (target, label, code, channel, clicks) in links {
        let l = crate::links::create(
            app,
            admin,
            &LinkRequest {
                target: target.into(),
                label: label.into(),
                code: code.into(),
                campaign: "#PalembangBaca".into(),
            },
            channel,
        )
        .await?;
        for i in 0..clicks {
            crate::links::follow(app, &l.code, &format!("10.0.0.{i}"), PHONE).await?;
        }
        // The campaign's links are on the link-in-bio page.
        crate::links::set_in_bio(app, admin, l.id, true).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use siar_domain::Timestamp;

    #[test]
    fn storytelling_post_goes_out_on_saturday_morning() {
        use chrono::{Datelike, Timelike};
        let tz = chrono_tz::Asia::Jakarta;
        // 2026-11-28 is a Saturday: at 06:00 WIB it is today, at 10:00 next week.
        let six = Timestamp(1_795_820_400_000); // 2026-11-27T23:00:00Z = 06:00 WIB
        let ten = Timestamp(1_795_834_800_000); // 2026-11-28T03:00:00Z = 10:00 WIB
        for (now, day) in [(six, 28), (ten, 5)] {
            let at = next_saturday_morning(now).to_utc().with_timezone(&tz);
            assert_eq!(at.weekday(), chrono::Weekday::Sat);
            assert_eq!((at.hour(), at.minute(), at.day()), (7, 0, day));
        }
    }
}
