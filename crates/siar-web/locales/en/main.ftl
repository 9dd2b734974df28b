app-name = Siar
app-tagline = Social media and community engagement hub for libraries
skip-to-content = Skip to content

## Navigation
nav-home = Home
nav-staff = Staff
nav-settings = Settings
nav-audit = Audit log
nav-jobs = Job queue
nav-account = My account
nav-menu = Menu
nav-signed-in-as = Signed in as
sign-out = Sign out
switch-to-en = English
switch-to-id = Bahasa Indonesia
lang-switch-label = Change language

## Roles
role-admin = Admin
role-editor = Editor
role-contributor = Contributor
role-moderator = Moderator
role-analyst = Analyst
role-admin-help = Manages staff, library settings, the audit log and the job queue.
role-editor-help = Approves and publishes content to every channel.
role-contributor-help = Writes drafts for an editor to review.
role-moderator-help = Answers messages and looks after the forum and patrons' submissions.
role-analyst-help = Reads numbers and reports without changing anything.

## Sign in
login-title = Sign in to the staff console
login-intro = Please sign in with your staff account's e-mail address and password.
login-email = E-mail address
login-password = Password
login-submit = Sign in
login-invalid = The e-mail or password is not right. Please check and try again.
login-throttled = Too many failed sign-in attempts. For your security, please try again in { $minutes } minutes.
login-inactive = This account has been deactivated. Please contact your library's admin.
login-demo-password = The demo password only works in demo mode. Ask an admin to set a new password for this account.
login-expired = Your session has ended. Please sign in again to continue.
login-expired-kept = Your session ended, but what you typed is kept. Please sign in again, then send your form once more.
resume-title = Send your form again
resume-intro = You are signed in again. What you typed before the session ended is kept (except passwords). Press the button below to send it.
resume-send = Send what I typed
resume-discard = Discard it and go to Home
login-signed-out = You are signed out. See you soon!
login-back-portal = Back to the library's page

## Home
home-title = Home
home-greeting = Welcome, { $name }!
home-role = Your role: { $role }.
home-today = Today
home-open-today = The library is open today from { $open } to { $close } { $zone }.
home-closed-today = The library is closed today.
home-holiday-today = Today is a holiday: { $name }.
home-next-steps = Next steps
home-step-staff = Add your social media team and give each person the right role.
home-step-settings = Check the library's name, logo, opening hours and holidays.
home-step-audit = See who changed what in the audit log.
home-step-jobs-dead = { $count } background jobs failed and need a look.
home-step-jobs-ok = All background jobs are running fine.
home-step-account = Choose your console language on the My account page.
home-more-soon = Channels, the content calendar and the inbox will appear in this menu as they become available.
home-staff-count = { $count } active staff

## Staff
staff-title = Staff
staff-intro = Everyone who can sign in to this library's console.
staff-new = Add staff
staff-name = Name
staff-email = E-mail
staff-role = Role
staff-status = Status
staff-active = Active
staff-inactive = Inactive
staff-edit = Edit
staff-password = Initial password
staff-password-help = At least 10 characters. Give it to the person directly.
staff-new-title = Add a staff member
staff-edit-title = Edit staff account
staff-active-label = Account active (can sign in to the console)
staff-save = Save
staff-create = Create account
staff-cancel = Cancel
staff-created = The staff account was created.
staff-updated = Changes to the staff account were saved.
staff-joined = Joined
staff-you = (you)
staff-reset-title = Set a new password
staff-reset-help = All of this person's sessions end and they must sign in again with the new password.
staff-new-password = New password
staff-reset-submit = Set password
staff-password-reset = The new password was set.

## Settings
settings-title = Library settings
settings-intro = These details appear on the public page and are used to count response times.
settings-name = Library name
settings-timezone = Time zone
settings-timezone-help = For example: Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT).
settings-lang = Default language
settings-hours = Opening hours
settings-hours-help = Leave both fields empty on closed days. 24-hour format, e.g. 08:00.
settings-open = Opens
settings-close = Closes
settings-holidays = Holidays
settings-holidays-help = One holiday per line: the date (YYYY-MM-DD) then its name, e.g. 2026-12-25 Christmas Day.
settings-save = Save settings
settings-saved = Settings saved.
settings-logo = Logo
settings-logo-help = PNG, JPEG or WebP, at most 512 KB.
settings-logo-upload = Upload logo
settings-logo-saved = The new logo was saved.
settings-logo-none = No logo yet.
lang-id = Bahasa Indonesia
lang-en = English

## Days
day-mon = Monday
day-tue = Tuesday
day-wed = Wednesday
day-thu = Thursday
day-fri = Friday
day-sat = Saturday
day-sun = Sunday

## Audit log
audit-title = Audit log
audit-intro = A record of who did what, when, and to which record.
audit-time = Time
audit-actor = Actor
audit-action = Action
audit-record = Record
audit-summary = Change
audit-filter = Filter
audit-reset = Clear filters
audit-export = Download CSV
audit-from = From date
audit-until = Until date
audit-any = All
audit-empty = No entries match these filters yet.
audit-total = { $count } entries
audit-page = Page { $page } of { $pages }
audit-prev = Previous
audit-next = Next
record-user = Staff account
record-organisation = Library
record-session = Sign-in session
record-job = Background job
record-api_token = API token
audit-sign_in = Signed in to the console
audit-sign_out_everywhere = Signed out on every device
audit-staff_created = Created a staff account
audit-staff_updated = Changed a staff account
audit-password_changed = Changed a password
audit-settings_updated = Changed settings
audit-logo_updated = Changed the logo
audit-job_retried = Retried a job
audit-api_token_created = Created an API token
audit-language_changed = Changed language
audit-channel_connected = Connected a channel
audit-channel_paused = Paused a channel
audit-channel_resumed = Resumed a channel
audit-channel_disconnected = Disconnected a channel
audit-post_scheduled = Scheduled a post
audit-post_updated = Changed a post
audit-post_deleted = Deleted a post
audit-delivery_retried = Sent a post to a channel again
audit-delivery_cancelled = Cancelled a post on a channel
audit-delivery_confirmed = Marked a post as published
audit-media_uploaded = Uploaded a media file

## Job queue
jobs-title = Job queue
jobs-intro = Background work such as scheduled publishing and data clean-up. Failed jobs can be retried.
jobs-all = All
jobs-kind = Kind
jobs-state = State
jobs-attempts = Attempts
jobs-run-at = Scheduled
jobs-last-error = Last error
jobs-retry = Retry
jobs-retried = The job is back in the queue.
jobs-empty = No jobs in this state.
job-state-queued = Waiting
job-state-running = Running
job-state-succeeded = Done
job-state-dead = Failed

## Account
account-title = My account
account-lang = Console language
account-lang-help = This choice is saved to your account and applies on every device.
account-lang-save = Save language
account-lang-saved = Console language changed.
account-sessions = Sessions
account-sessions-help = If you forgot to sign out on a shared computer, end every session here.
account-password = Password
account-password-help = Once the password is changed, your sessions on other devices end.
account-current-password = Current password
account-new-password = New password
account-password-save = Change password
account-password-changed = Your password was changed. Sessions on other devices have ended.
staff-password-help-self = At least 10 characters. A phrase you remember easily but others cannot guess.
account-sign-out-all = Sign out on every device

## Portal
portal-welcome = Welcome to { $name }
portal-intro = A library for everyone: children, students, parents and every resident.
portal-hours = Opening hours
portal-closed = Closed
portal-holidays = Upcoming holidays
portal-staff-login = Staff sign-in
portal-no-org = The library has not been set up yet. An admin can create it with the command siar admin create-org.
portal-today = today

## Form errors
form-has-errors = Some fields need fixing. Please check the marked fields.
err-required = This field is required.
err-too-long = Too long: at most { $max } characters.
err-too-many = Too many: at most { $max } lines.
err-email = This e-mail address is not valid. Example: name@library.example
err-email-taken = Another account already uses this e-mail address.
err-role = Please choose a role.
err-password-short = The password needs at least { $max } characters.
err-demo-password = The demo password cannot be used outside demo mode.
err-timezone = Unknown time zone. A correct example: Asia/Jakarta.
err-language = Please choose a language.
err-hours = Write times as HH:MM, e.g. 08:00, or leave both empty on closed days.
err-hours-order = Closing time must be later than opening time.
err-holiday-line = Each line needs a date YYYY-MM-DD and then the holiday's name (at most 80 characters).
err-last-admin = The library must keep at least one active admin.
err-logo-missing = Please choose a logo file.
err-logo-too-big = The logo file is too large: at most 512 KB.
err-logo-type = The logo must be a PNG, JPEG or WebP image.
err-job-not-dead = Only failed jobs can be retried.
err-slug = The library code may only hold lower-case letters, digits and hyphens (2–40 characters).
err-slug-taken = This library code is already taken.
err-date = Invalid date. Use the format YYYY-MM-DD.
err-current-password = The current password is not right.

## Error pages
error-404-title = Page not found
error-404-text = Sorry, the page you are looking for does not exist or has moved.
error-403-title = Access not allowed
error-403-text = Sorry, your role does not allow you to open this page. Contact an admin if you need it.
error-403-csrf = This form has expired or is not valid. Please reload the page and send it again.
error-413-title = Too large
error-413-text = The file or form you sent is larger than allowed.
error-500-title = Something went wrong
error-500-text = Sorry, something went wrong on our side. The technical team can trace it with the code below.
error-request-id = Request code
error-go-home = Back to home
