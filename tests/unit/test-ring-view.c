/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The view of a ring-based engine (src/daemon/ring-view.c), in the orders
 * corosync was measured to report things in (corosync-facts): membership,
 * ring change, the new ring's messages, and the quorum verdict last — or
 * first, or for another ring, or never. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "macro.h"
#include "ring-view.h"

/* What wolfpackd was told, in order: "V<members>@<ring seq>:<q|-> " for a view,
 * "M<seq><q|-> " for a message with the quorum of the view it came under,
 * "L " for a log line. */
typedef struct Seen {
        char text[4096];
        bool quorate;
        unsigned views;
} Seen;

static void put(Seen *s, const char *fmt, ...) {
        size_t n = strlen(s->text);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->text + n, sizeof(s->text) - n, fmt, ap);
        va_end(ap);
}

static void on_view(const EngineView *v, void *userdata) {
        Seen *s = userdata;
        s->quorate = v->quorate;
        s->views++;
        put(s, "V");
        for (unsigned i = 0; i < v->n_members; i++)
                put(s, "%u", v->members[i]);
        put(s, "@%llu:%s ", (unsigned long long) v->ring, v->quorate ? "q" : "-");
}

static void on_deliver(const json_t *msg, void *userdata) {
        Seen *s = userdata;
        put(s, "M%lld%s ", (long long) json_integer_value(json_object_get(msg, "seq")), s->quorate ? "q" : "-");
}

static void on_log(const char *level, const char *code, const char *text, void *userdata) {
        put(userdata, "L ");
}

static const EngineCallbacks CB = { .view = on_view, .deliver = on_deliver, .log = on_log };

static void msg(RingView *v, int seq) {
        ring_view_message(v, json_pack("{s:s, s:i}", "type", "t", "seq", seq));
}

static void show_text(const Seen *s) {
        print_message("seen: %s\n", s->text);
}

static void start(RingView *v, Seen *s) {
        memset(s, 0, sizeof(*s));
        ring_view_init(v, &CB, s, 3);
}

static const uint32_t ALL[] = { 3, 1, 2, 1 };

/* The common order: C, T, messages, then Q for that ring. The messages
 * wait for Q and come after the quorate view. */
static void test_verdict_after_messages(void **state) {
        RingView v;
        Seen s;
        start(&v, &s);
        ring_view_members(&v, ALL, 4);
        assert_true(ring_view_ring(&v, 1, 8));
        for (int i = 1; i <= 145; i++)
                msg(&v, i);
        assert_false(ring_view_quorate(&v));
        assert_int_equal(v.n_held, 145);
        ring_view_verdict(&v, true, 1, 8);
        assert_true(ring_view_quorate(&v));
        show_text(&s);
        assert_int_equal(strncmp(s.text, "V123@0:- V123@8:- V123@8:q M1q M2q ", 35), 0);
        assert_non_null(strstr(s.text, "M145q "));
        assert_null(strstr(s.text, "L "));
        /* The verdict known, messages go straight through. */
        msg(&v, 146);
        assert_non_null(strstr(s.text, "M145q M146q "));
        ring_view_done(&v);
}

/* A new ring: quorum is not trusted until its own verdict comes, even
 * though the last verdict was quorate and no "not quorate" ever came. */
static void test_ring_change_stops_trusting_quorum(void **state) {
        RingView v;
        Seen s;
        start(&v, &s);
        ring_view_members(&v, ALL, 3);
        ring_view_ring(&v, 1, 8);
        ring_view_verdict(&v, true, 1, 8);
        assert_true(ring_view_quorate(&v));
        ring_view_ring(&v, 1, 12);
        assert_false(ring_view_quorate(&v));
        assert_false(s.quorate);
        msg(&v, 1);
        /* A late verdict of the old ring changes nothing. */
        ring_view_verdict(&v, true, 1, 8);
        assert_false(ring_view_quorate(&v));
        assert_int_equal(v.n_held, 1);
        /* Another ring before the verdict: the held message is refused
         * under the not-quorate view, and logged. */
        ring_view_ring(&v, 2, 16);
        assert_int_equal(v.n_held, 0);
        assert_non_null(strstr(s.text, "V123@12:- L M1- V123@16:- "));
        ring_view_done(&v);
}

/* A node goes down: CPG says so before the ring changes. The old ring's
 * verdict must not make the one left look quorate meanwhile; a verdict
 * already in for the coming ring is kept. */
static void test_node_left_distrusts_the_verdict(void **state) {
        RingView v;
        Seen s;
        start(&v, &s);
        ring_view_members(&v, ALL, 3);
        ring_view_ring(&v, 1, 8);
        ring_view_verdict(&v, true, 1, 8);
        assert_true(ring_view_quorate(&v));
        static const uint32_t ONE[] = { 2 };
        ring_view_node_left(&v);
        ring_view_members(&v, ONE, 1);
        assert_false(ring_view_quorate(&v));
        assert_false(s.quorate);
        ring_view_ring(&v, 2, 12);
        ring_view_verdict(&v, false, 2, 12);
        assert_false(ring_view_quorate(&v));
        show_text(&s);
        assert_string_equal(s.text, "V123@0:- V123@8:- V123@8:q V2@8:- V2@12:- ");
        /* The verdict of the coming ring first, then the node-down news. */
        ring_view_verdict(&v, true, 1, 16);
        ring_view_node_left(&v);
        ring_view_ring(&v, 1, 16);
        assert_true(ring_view_quorate(&v));
        ring_view_done(&v);
}

/* The verdict can come before CPG announces its ring: it is kept. */
static void test_verdict_before_ring(void **state) {
        RingView v;
        Seen s;
        start(&v, &s);
        ring_view_ring(&v, 1, 4);
        ring_view_verdict(&v, true, 1, 8);
        assert_false(ring_view_quorate(&v));
        ring_view_members(&v, ALL, 3);
        ring_view_ring(&v, 1, 8);
        assert_true(ring_view_quorate(&v));
        msg(&v, 1);
        show_text(&s);
        assert_string_equal(s.text, "V@4:- V123@4:- V123@8:q M1q ");
        ring_view_done(&v);
}

/* Not quorate: held messages are refused, later ones too. */
static void test_inquorate_verdict(void **state) {
        RingView v;
        Seen s;
        start(&v, &s);
        static const uint32_t me[] = { 3 };
        ring_view_members(&v, me, 1);
        ring_view_ring(&v, 3, 20);
        msg(&v, 1);
        ring_view_verdict(&v, false, 3, 20);
        msg(&v, 2);
        show_text(&s);
        assert_string_equal(s.text, "V3@0:- V3@20:- L M1- M2- ");
        ring_view_done(&v);
}

/* A process join in the same ring keeps the ring's verdict; the same ring
 * reported again is no change; identical views are not repeated. */
static void test_same_ring(void **state) {
        RingView v;
        Seen s;
        start(&v, &s);
        static const uint32_t two[] = { 1, 2 };
        ring_view_members(&v, two, 2);
        ring_view_ring(&v, 1, 8);
        ring_view_verdict(&v, true, 1, 8);
        ring_view_members(&v, ALL, 3);
        assert_false(ring_view_ring(&v, 1, 8));
        ring_view_verdict(&v, true, 1, 8);
        ring_view_members(&v, ALL, 3);
        assert_true(ring_view_quorate(&v));
        show_text(&s);
        assert_string_equal(s.text, "V12@0:- V12@8:- V12@8:q V123@8:q ");
        ring_view_done(&v);
}

/* Losing corosync: no members, no quorum, nothing held any more. */
static void test_lost(void **state) {
        RingView v;
        Seen s;
        start(&v, &s);
        ring_view_members(&v, ALL, 3);
        ring_view_ring(&v, 1, 8);
        msg(&v, 1);
        ring_view_lost(&v);
        assert_false(ring_view_quorate(&v));
        ring_view_verdict(&v, true, 1, 8);
        assert_false(ring_view_quorate(&v));
        msg(&v, 2);
        show_text(&s);
        assert_string_equal(s.text, "V123@0:- V123@8:- V@8:- L M1- M2- ");
        ring_view_done(&v);
}

/* Held messages are bounded; what is held is freed with the view. */
static void test_bound_and_done(void **state) {
        RingView v;
        Seen s;
        start(&v, &s);
        ring_view_ring(&v, 1, 8);
        for (unsigned i = 0; i < RING_VIEW_HELD_MAX + 2; i++)
                msg(&v, (int) i);
        assert_int_equal(v.n_held, RING_VIEW_HELD_MAX);
        assert_non_null(strstr(s.text, "M100000- M100001- "));
        ring_view_done(&v);
        assert_int_equal(v.n_held, 0);
}

/* A process joins while messages wait for the verdict: the change of
 * members keeps its place among them, as on a member whose verdict came
 * before (where it is seen between M2 and M3). */
static void test_members_change_keeps_its_place(void **state) {
        RingView v;
        Seen s;
        start(&v, &s);
        static const uint32_t two[] = { 1, 2 };
        ring_view_members(&v, two, 2);
        ring_view_ring(&v, 1, 8);
        msg(&v, 1);
        msg(&v, 2);
        ring_view_members(&v, ALL, 3);
        msg(&v, 3);
        ring_view_verdict(&v, true, 1, 8);
        show_text(&s);
        assert_string_equal(s.text, "V12@0:- V12@8:- V12@8:q M1q M2q V123@8:q M3q ");
        /* Held and then dropped with a ring: replayed under no quorum. */
        memset(s.text, 0, sizeof(s.text));
        ring_view_ring(&v, 1, 12);
        msg(&v, 4);
        ring_view_members(&v, two, 2);
        ring_view_ring(&v, 1, 16);
        show_text(&s);
        assert_string_equal(s.text, "V123@12:- L M4- V12@12:- V12@16:- ");
        ring_view_done(&v);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_verdict_after_messages),
                cmocka_unit_test(test_ring_change_stops_trusting_quorum),
                cmocka_unit_test(test_verdict_before_ring),
                cmocka_unit_test(test_node_left_distrusts_the_verdict),
                cmocka_unit_test(test_inquorate_verdict),
                cmocka_unit_test(test_same_ring),
                cmocka_unit_test(test_lost),
                cmocka_unit_test(test_bound_and_done),
                cmocka_unit_test(test_members_change_keeps_its_place),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
