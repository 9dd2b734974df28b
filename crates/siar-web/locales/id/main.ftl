app-name = Siar
app-tagline = Pusat media sosial dan keterlibatan pemustaka
skip-to-content = Langsung ke isi halaman

## Navigasi
nav-home = Beranda
nav-staff = Staf
nav-settings = Pengaturan
nav-audit = Log audit
nav-jobs = Antrean tugas
nav-account = Akun saya
nav-menu = Menu
nav-signed-in-as = Masuk sebagai
sign-out = Keluar
switch-to-en = English
switch-to-id = Bahasa Indonesia
lang-switch-label = Ganti bahasa

## Peran
role-admin = Admin
role-editor = Editor
role-contributor = Kontributor
role-moderator = Moderator
role-analyst = Analis
role-admin-help = Mengelola staf, pengaturan perpustakaan, log audit dan antrean tugas.
role-editor-help = Menyetujui dan menerbitkan konten ke semua kanal.
role-contributor-help = Menulis draf konten untuk ditinjau editor.
role-moderator-help = Menjawab pesan, menjaga forum dan konten kiriman pemustaka.
role-analyst-help = Membaca angka dan laporan, tanpa mengubah apa pun.

## Masuk
login-title = Masuk ke konsol staf
login-intro = Silakan masuk dengan alamat e-mail dan kata sandi akun staf Anda.
login-email = Alamat e-mail
login-password = Kata sandi
login-submit = Masuk
login-invalid = E-mail atau kata sandi tidak cocok. Silakan periksa kembali.
login-throttled = Terlalu banyak percobaan masuk yang gagal. Demi keamanan, silakan coba lagi dalam { $minutes } menit.
login-inactive = Akun ini sudah dinonaktifkan. Silakan hubungi admin perpustakaan Anda.
login-demo-password = Kata sandi demo hanya berlaku di mode demo. Minta admin untuk mengatur kata sandi baru bagi akun ini.
login-expired = Sesi Anda telah berakhir. Silakan masuk lagi untuk melanjutkan.
login-expired-kept = Sesi Anda telah berakhir, tetapi isian Anda masih kami simpan. Silakan masuk lagi, lalu kirim ulang formulir Anda.
resume-title = Kirim ulang formulir
resume-intro = Anda sudah masuk lagi. Isian yang Anda ketik sebelum sesi berakhir masih tersimpan (kecuali kata sandi). Tekan tombol di bawah untuk mengirimnya.
resume-send = Kirim ulang isian saya
resume-discard = Buang isian dan kembali ke Beranda
login-signed-out = Anda sudah keluar. Sampai jumpa lagi!
login-back-portal = Kembali ke halaman perpustakaan

## Beranda
home-title = Beranda
home-greeting = Selamat datang, { $name }!
home-role = Peran Anda: { $role }.
home-today = Hari ini
home-open-today = Perpustakaan buka hari ini pukul { $open }–{ $close } { $zone }.
home-closed-today = Perpustakaan tutup hari ini.
home-holiday-today = Hari ini libur: { $name }.
home-next-steps = Langkah berikutnya
home-step-staff = Tambahkan anggota tim media sosial dan beri setiap orang peran yang sesuai.
home-step-settings = Periksa nama, logo, jam buka dan hari libur perpustakaan.
home-step-audit = Lihat siapa mengubah apa di log audit.
home-step-jobs-dead = Ada { $count } tugas latar yang gagal dan perlu dicek.
home-step-jobs-ok = Semua tugas latar berjalan baik.
home-step-account = Atur bahasa konsol Anda di halaman Akun saya.
home-more-soon = Fitur kanal, kalender konten dan kotak masuk akan muncul di menu ini begitu tersedia.
home-staff-count = { $count } staf aktif

## Staf
staff-title = Staf
staff-intro = Semua orang yang dapat masuk ke konsol perpustakaan ini.
staff-new = Tambah staf
staff-name = Nama
staff-email = E-mail
staff-role = Peran
staff-status = Status
staff-active = Aktif
staff-inactive = Nonaktif
staff-edit = Ubah
staff-password = Kata sandi awal
staff-password-help = Minimal 10 karakter. Sampaikan kepada yang bersangkutan secara langsung.
staff-new-title = Tambah anggota staf
staff-edit-title = Ubah akun staf
staff-active-label = Akun aktif (dapat masuk ke konsol)
staff-save = Simpan
staff-create = Buat akun
staff-cancel = Batal
staff-created = Akun staf sudah dibuat.
staff-updated = Perubahan akun staf sudah disimpan.
staff-joined = Bergabung
staff-you = (Anda)
staff-reset-title = Atur kata sandi baru
staff-reset-help = Semua sesi orang ini akan diakhiri dan ia perlu masuk lagi dengan kata sandi baru.
staff-new-password = Kata sandi baru
staff-reset-submit = Atur kata sandi
staff-password-reset = Kata sandi baru sudah diatur.

## Pengaturan
settings-title = Pengaturan perpustakaan
settings-intro = Data ini tampil di halaman publik dan dipakai untuk menghitung waktu respons.
settings-name = Nama perpustakaan
settings-timezone = Zona waktu
settings-timezone-help = Contoh: Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT).
settings-lang = Bahasa bawaan
settings-hours = Jam buka
settings-hours-help = Kosongkan kedua kolom untuk hari tutup. Format 24 jam, misalnya 08:00.
settings-open = Buka
settings-close = Tutup
settings-holidays = Hari libur
settings-holidays-help = Satu hari libur per baris: tanggal (TTTT-BB-HH) lalu namanya, misalnya 2026-12-25 Hari Raya Natal.
settings-save = Simpan pengaturan
settings-saved = Pengaturan sudah disimpan.
settings-logo = Logo
settings-logo-help = PNG, JPEG atau WebP, paling besar 512 KB.
settings-logo-upload = Unggah logo
settings-logo-saved = Logo baru sudah disimpan.
settings-logo-none = Belum ada logo.
lang-id = Bahasa Indonesia
lang-en = English

## Hari
day-mon = Senin
day-tue = Selasa
day-wed = Rabu
day-thu = Kamis
day-fri = Jumat
day-sat = Sabtu
day-sun = Minggu

## Log audit
audit-title = Log audit
audit-intro = Catatan siapa melakukan apa, kapan, dan pada data mana.
audit-time = Waktu
audit-actor = Pelaku
audit-action = Tindakan
audit-record = Data
audit-summary = Perubahan
audit-filter = Saring
audit-reset = Hapus saringan
audit-export = Unduh CSV
audit-from = Dari tanggal
audit-until = Sampai tanggal
audit-any = Semua
audit-empty = Belum ada catatan yang cocok dengan saringan ini.
audit-total = { $count } catatan
audit-page = Halaman { $page } dari { $pages }
audit-prev = Sebelumnya
audit-next = Berikutnya
record-user = Akun staf
record-organisation = Perpustakaan
record-session = Sesi masuk
record-job = Tugas latar
record-api_token = Token API
audit-sign_in = Masuk ke konsol
audit-sign_out_everywhere = Keluar dari semua perangkat
audit-staff_created = Membuat akun staf
audit-staff_updated = Mengubah akun staf
audit-password_changed = Mengganti kata sandi
audit-settings_updated = Mengubah pengaturan
audit-logo_updated = Mengganti logo
audit-job_retried = Mengulang tugas
audit-api_token_created = Membuat token API
audit-language_changed = Mengganti bahasa
audit-channel_connected = Menghubungkan kanal
audit-channel_paused = Menjeda kanal
audit-channel_resumed = Melanjutkan kanal
audit-channel_disconnected = Memutus kanal
audit-post_scheduled = Menjadwalkan unggahan
audit-post_updated = Mengubah unggahan
audit-post_deleted = Menghapus unggahan
audit-delivery_retried = Mengirim ulang unggahan ke kanal
audit-delivery_cancelled = Membatalkan pengiriman ke kanal
audit-delivery_confirmed = Menandai unggahan sudah terbit
audit-media_uploaded = Mengunggah berkas media

## Antrean tugas
jobs-title = Antrean tugas
jobs-intro = Pekerjaan latar seperti penerbitan terjadwal dan pembersihan data. Tugas yang gagal dapat diulang.
jobs-all = Semua
jobs-kind = Jenis
jobs-state = Status
jobs-attempts = Percobaan
jobs-run-at = Dijadwalkan
jobs-last-error = Galat terakhir
jobs-retry = Ulangi
jobs-retried = Tugas dimasukkan kembali ke antrean.
jobs-empty = Tidak ada tugas dengan status ini.
job-state-queued = Menunggu
job-state-running = Berjalan
job-state-succeeded = Selesai
job-state-dead = Gagal

## Akun
account-title = Akun saya
account-lang = Bahasa konsol
account-lang-help = Pilihan ini tersimpan di akun Anda dan berlaku di semua perangkat.
account-lang-save = Simpan bahasa
account-lang-saved = Bahasa konsol sudah diganti.
account-sessions = Sesi masuk
account-sessions-help = Jika Anda lupa keluar di komputer umum, akhiri semua sesi di sini.
account-password = Kata sandi
account-password-help = Setelah kata sandi diganti, semua sesi Anda di perangkat lain akan diakhiri.
account-current-password = Kata sandi saat ini
account-new-password = Kata sandi baru
account-password-save = Ganti kata sandi
account-password-changed = Kata sandi Anda sudah diganti. Sesi di perangkat lain sudah diakhiri.
staff-password-help-self = Minimal 10 karakter. Gunakan kalimat yang mudah Anda ingat tetapi sulit ditebak orang lain.
account-sign-out-all = Keluar dari semua perangkat

## Portal
portal-welcome = Selamat datang di { $name }
portal-intro = Perpustakaan untuk semua: anak-anak, pelajar, orang tua dan seluruh warga.
portal-hours = Jam buka
portal-closed = Tutup
portal-holidays = Hari libur mendatang
portal-staff-login = Masuk untuk staf
portal-no-org = Perpustakaan belum disiapkan. Admin dapat membuatnya dengan perintah siar admin create-org.
portal-today = hari ini

## Pesan kesalahan isian
form-has-errors = Ada isian yang perlu diperbaiki. Silakan periksa kolom yang ditandai.
err-required = Kolom ini wajib diisi.
err-too-long = Terlalu panjang: paling banyak { $max } karakter.
err-too-many = Terlalu banyak: paling banyak { $max } baris.
err-email = Alamat e-mail ini tidak valid. Contoh: nama@perpustakaan.go.id
err-email-taken = Alamat e-mail ini sudah dipakai oleh akun lain.
err-role = Silakan pilih salah satu peran.
err-password-short = Kata sandi minimal { $max } karakter.
err-demo-password = Kata sandi demo tidak boleh dipakai di luar mode demo.
err-timezone = Zona waktu tidak dikenal. Contoh yang benar: Asia/Jakarta.
err-language = Silakan pilih bahasa.
err-hours = Tulis jam dalam format JJ:MM, misalnya 08:00, atau kosongkan keduanya untuk hari tutup.
err-hours-order = Jam tutup harus lebih lambat dari jam buka.
err-holiday-line = Setiap baris harus berisi tanggal TTTT-BB-HH lalu nama hari libur (paling banyak 80 karakter).
err-last-admin = Perpustakaan harus tetap punya setidaknya satu admin aktif.
err-logo-missing = Silakan pilih berkas logo.
err-logo-too-big = Berkas logo terlalu besar: paling besar 512 KB.
err-logo-type = Logo harus berupa gambar PNG, JPEG atau WebP.
err-job-not-dead = Hanya tugas yang gagal yang dapat diulang.
err-slug = Kode perpustakaan hanya boleh berisi huruf kecil, angka dan tanda hubung (2–40 karakter).
err-slug-taken = Kode perpustakaan ini sudah dipakai.
err-date = Tanggal tidak valid. Gunakan format TTTT-BB-HH.
err-current-password = Kata sandi saat ini tidak cocok.

## Halaman galat
error-404-title = Halaman tidak ditemukan
error-404-text = Maaf, halaman yang Anda cari tidak ada atau sudah dipindahkan.
error-403-title = Akses tidak diizinkan
error-403-text = Maaf, peran Anda tidak memiliki izin untuk membuka halaman ini. Hubungi admin jika Anda memerlukannya.
error-403-csrf = Formulir ini sudah kedaluwarsa atau tidak sah. Silakan muat ulang halaman lalu kirim lagi.
error-413-title = Kiriman terlalu besar
error-413-text = Berkas atau isian yang dikirim melebihi batas ukuran.
error-500-title = Terjadi kesalahan
error-500-text = Maaf, ada yang tidak beres di sisi kami. Tim teknis dapat melacaknya dengan kode di bawah.
error-request-id = Kode permintaan
error-go-home = Kembali ke beranda
