-- pgbench: the SQL of one POST /api/v1/enrollments/ by a signed-in learner, statement for
-- statement as Django sends it (bench/rush.py captures the real list and records both counts),
-- with the decisions of enrollment.services taken by \if on the counters read under the lock.
-- Variables: -D k=0 per=<transactions per client> run=<plan>; the plan table names the
-- learner, offering and session of transaction n, in the arrival order of the HTTP rush.
-- Added for pgbench only: the plan lookup. Left out: what is not SQL (Redis throttle, Celery
-- publish) and Python's own work, which is what the ratio measures.
\set n :client_id * :per + :k
\set k :k + 1
SELECT learner_id, offering_id, session_key, offering_uuid FROM bench_rush_plan WHERE run = :run AND n = :n \gset
-- The session and its user (SessionMiddleware, AuthenticationMiddleware via DRF).
SELECT session_key, session_data, expire_date FROM django_session WHERE session_key = ':session_key' AND expire_date > now();
SELECT * FROM accounts_user WHERE id = :learner_id LIMIT 21;
-- The offering by public id, in the public catalog (so the caller's staff roles are not read).
SELECT o.id, o.public_id, o.course_id, o.term_id, o.section, c.id AS course_id, c.institution_id, c.code, c.title_zh, c.title_en, i.id, i.code, i.max_enrollments_per_term, t.id, t.code FROM courses_offering o JOIN courses_course c ON c.id = o.course_id JOIN institutions_institution i ON i.id = c.institution_id JOIN courses_term t ON t.id = o.term_id WHERE o.public_id = ':offering_uuid' AND o.status IN ('published', 'cancelled', 'archived') AND c.is_active; \gset f_
BEGIN;
-- enrollment.locks: the learner, then the offering's row alone (course, institution and term
-- are the ones read above).
SELECT * FROM accounts_user WHERE id = :learner_id FOR UPDATE;
SELECT o.*, o.capacity AS cap, o.seats_taken AS taken, o.waitlist_length AS waiting, o.waitlist_capacity AS places, o.last_queue_number AS last_number FROM courses_offering o WHERE o.id = :offering_id FOR UPDATE \gset
-- The rules: a live enrollment already? prerequisites (none here: so no more is read)?
SELECT status FROM enrollment_enrollment WHERE learner_id = :learner_id AND offering_id = :offering_id AND status IN ('enrolled', 'offered', 'pending', 'waitlisted');
SELECT p.required_course_id FROM courses_prerequisite p WHERE p.course_id = :f_course_id;
\if :taken < :cap AND :waiting = 0
INSERT INTO enrollment_enrollment (public_id, learner_id, offering_id, status, queue_number, offer_expires_at, score, grade, hours_completed, channel, created_at, updated_at) VALUES (gen_random_uuid(), :learner_id, :offering_id, 'enrolled', NULL, NULL, NULL, '', NULL, 'api', now(), now()) RETURNING id AS enrollment_id \gset
INSERT INTO enrollment_enrollmentevent (enrollment_id, actor_id, at, from_status, to_status, reason, channel) VALUES (:enrollment_id, :learner_id, now(), '', 'enrolled', '', 'api') RETURNING id;
INSERT INTO notifications_notification (public_id, event, category, recipient_id, data, dedupe_key, created_at, read_at) VALUES (gen_random_uuid(), 'enrollment.enrolled', 'transactional', :learner_id, '{"enrollment": "x", "status": "enrolled", "course_title_zh": "课程", "course_title_en": "Course", "institution_code": "CQJTU", "term_code": "t", "section": "01", "starts_on": "2026-01-01", "location_zh": "", "location_en": "", "schedule_zh": "", "schedule_en": "", "learner_email": "x@y", "reason": ""}', '', now(), NULL) RETURNING id AS notification_id \gset
INSERT INTO notifications_delivery (notification_id, channel, state, attempts, next_attempt_at, queued_at, last_error, sent_at, created_at, updated_at) VALUES (:notification_id, 'email', 'pending', 0, now(), now(), '', NULL, now(), now()) RETURNING id;
SELECT DISTINCT l.user_id, l.organisation_id, l.external_id FROM partners_partnerlearner l WHERE l.user_id IN (:learner_id) AND EXISTS (SELECT 1 FROM partners_webhookendpoint w WHERE w.organisation_id = l.organisation_id);
UPDATE courses_offering SET seats_taken = :taken + 1, waitlist_length = :waiting, last_queue_number = :last_number, updated_at = now() WHERE id = :offering_id;
COMMIT;
\elif :waiting < :places
INSERT INTO enrollment_enrollment (public_id, learner_id, offering_id, status, queue_number, offer_expires_at, score, grade, hours_completed, channel, created_at, updated_at) VALUES (gen_random_uuid(), :learner_id, :offering_id, 'waitlisted', :last_number + 1, NULL, NULL, '', NULL, 'api', now(), now()) RETURNING id AS enrollment_id \gset
INSERT INTO enrollment_enrollmentevent (enrollment_id, actor_id, at, from_status, to_status, reason, channel) VALUES (:enrollment_id, :learner_id, now(), '', 'waitlisted', '', 'api') RETURNING id;
INSERT INTO notifications_notification (public_id, event, category, recipient_id, data, dedupe_key, created_at, read_at) VALUES (gen_random_uuid(), 'enrollment.waitlisted', 'transactional', :learner_id, '{"enrollment": "x", "status": "waitlisted", "course_title_zh": "课程", "course_title_en": "Course", "institution_code": "CQJTU", "term_code": "t", "section": "01", "starts_on": "2026-01-01", "location_zh": "", "location_en": "", "schedule_zh": "", "schedule_en": "", "learner_email": "x@y", "reason": ""}', '', now(), NULL) RETURNING id AS notification_id \gset
INSERT INTO notifications_delivery (notification_id, channel, state, attempts, next_attempt_at, queued_at, last_error, sent_at, created_at, updated_at) VALUES (:notification_id, 'email', 'pending', 0, now(), now(), '', NULL, now(), now()) RETURNING id;
SELECT DISTINCT l.user_id, l.organisation_id, l.external_id FROM partners_partnerlearner l WHERE l.user_id IN (:learner_id) AND EXISTS (SELECT 1 FROM partners_webhookendpoint w WHERE w.organisation_id = l.organisation_id);
UPDATE courses_offering SET seats_taken = :taken, waitlist_length = :waiting + 1, last_queue_number = :last_number + 1, updated_at = now() WHERE id = :offering_id;
COMMIT;
\else
ROLLBACK;
\endif
