/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Readiness of an application resource. Online stays pending through the
 * stages that are configured, in this order:
 *
 *   PidFile     poll the file every 100 ms; its pid must be in the
 *               resource's cgroup, and becomes the watched process
 *   ReadyPort   connect to 127.0.0.1:port; retried every 500 ms
 *   ReadyCheck  run the command; exit 0 means ready; retried every 500 ms
 *
 * then reports Online through genapp_became_ready(). The whole wait is
 * bounded by the monitor's PendingTimeout. An application found running
 * after its monitor ended during that wait resumes it (genapp_ready_resume)
 * from ReadyPort: probe has read PidFile already. The same port and check
 * attempts, run once, answer an asynchronous is_alive. Owns the stage timer
 * and the is_alive answer. Reports only progress (OnlinePending with the
 * reason it is still waiting); the final states, Online and Failed, are
 * genapp.c's to report.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "genapp-internal.h"
#include "text-quote.h"
#include "macro.h"
#include "strv.h"
#include "text-quote.h"

static bool stage_wanted(const Genapp *g, GenappStage s) {
        switch (s) {
        case GENAPP_STAGE_PID_FILE:
                return g->params.pid_file != NULL;
        case GENAPP_STAGE_PORT:
                return g->params.ready_port > 0;
        case GENAPP_STAGE_CHECK:
                return strv_length(g->params.ready_check) > 0;
        default:
                return true;
        }
}

static GenappStage stage_from(const Genapp *g, GenappStage s) {
        while (s < GENAPP_STAGE_DONE && !stage_wanted(g, s))
                s++;
        return s;
}

bool genapp_has_ready_stages(const Genapp *g) {
        return stage_from(g, GENAPP_STAGE_PID_FILE) != GENAPP_STAGE_DONE;
}

static void release_stage_timer(Genapp *g) {
        if (g->stage_timer) {
                g->host->release(g->stage_timer);
                g->stage_timer = NULL;
        }
}

void genapp_ready_cancel(Genapp *g) {
        release_stage_timer(g);
        genapp_attempt_cancel(g);
        g->stage = GENAPP_STAGE_DONE;
        g->pid_file_suspect = 0;
        g->not_ready[0] = '\0';
        g->alive_pending = false;
}

/* Tell the cluster why the resource is still pending, once per reason. */
static void report_waiting(Genapp *g, const char *why) {
        if (strcmp(g->not_ready, why) == 0)
                return;
        snprintf(g->not_ready, sizeof g->not_ready, "%s", why);
        g->host->set_status(g->r, WP_STATE_ONLINE_PENDING, "not ready yet: %s", why);
}

static int stage_begin(Genapp *g, char *err, size_t errlen);

static void stage_advance(Genapp *g) {
        char err[256];

        g->stage = stage_from(g, g->stage + 1);
        if (g->stage == GENAPP_STAGE_DONE) {
                genapp_became_ready(g);
                return;
        }
        if (stage_begin(g, err, sizeof err) < 0)
                genapp_fail(g, "%s", err);
}

static int on_retry(wp_source *s, void *userdata) {
        Genapp *g = userdata;
        char err[256];

        release_stage_timer(g);
        if (stage_begin(g, err, sizeof err) < 0)
                genapp_fail(g, "%s", err);
        return 0;
}

static void on_attempt_done(Genapp *g, bool ok, const char *why) {
        int r;

        if (g->state != GENAPP_STARTING)
                return;
        if (ok) {
                stage_advance(g);
                return;
        }
        report_waiting(g, why);
        r = g->host->add_timer(g->r, GENAPP_RETRY_USEC, on_retry, g, &g->stage_timer);
        if (r < 0)
                genapp_fail(g, "cannot arm the readiness retry timer: %s", strerror(-r));
}

/* --- PidFile ---------------------------------------------------------- */

/* 1 and the text, 0 when the file does not exist yet, -errno. */
static int read_pid_file(const char *path, char *buf, size_t size) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        ssize_t n;

        if (fd < 0)
                return errno == ENOENT ? 0 : negative_errno();
        n = read(fd, buf, size - 1);
        if (n < 0)
                return negative_errno();
        buf[n] = '\0';
        return 1;
}

static int poll_again(Genapp *g);

/* One look at PidFile. 1: the watched process is set; 0: look again later;
 * negative errno: fail with err. */
static int pid_file_look(Genapp *g, char *err, size_t errlen) {
        const char *path = g->params.pid_file;
        char text[64];
        pid_t pid;
        int r, fd;

        r = read_pid_file(path, text, sizeof text);
        if (r < 0) {
                snprintf(err, errlen, "PidFile: %s: %s", path, strerror(-r));
                return r;
        }
        if (r == 0)
                return 0;
        r = genapp_parse_pid(text, &pid);
        if (r == -ENODATA)
                return 0;
        if (r < 0) {
                text[strcspn(text, "\n")] = '\0';
                snprintf(err, errlen, "PidFile: %s holds %s, not a process id", path, text_quote(text).s);
                return r;
        }

        /* A pid outside the cgroup is refused, but only when it is read
         * twice: the first read may have caught the file half written. */
        r = genapp_pid_in_cgroup(g, pid);
        if (r == 0) {
                if (g->pid_file_suspect != pid) {
                        g->pid_file_suspect = pid;
                        return 0;
                }
                snprintf(err, errlen,
                         "PidFile: %s names process %d, which is not in the resource's cgroup: "
                         "refusing to watch a process the resource did not start",
                         path, (int) pid);
                return -ESRCH;
        }
        if (r < 0) {
                snprintf(err, errlen, "cannot list the processes of the resource's cgroup: %s", strerror(-r));
                return r;
        }

        fd = genapp_pidfd_open(pid);
        if (fd < 0) {
                snprintf(err, errlen, "PidFile: %s names process %d, which is gone", path, (int) pid);
                return -ESRCH;
        }
        /* pid may have been reused between the read and pidfd_open: the
         * pidfd pins it now, so one more look settles it. */
        if (genapp_pid_in_cgroup(g, pid) != 1 || genapp_pidfd_exited(fd)) {
                close(fd);
                snprintf(err, errlen, "PidFile: %s names process %d, which is gone", path, (int) pid);
                return -ESRCH;
        }
        r = genapp_watch_pid(g, pid, fd);
        if (r < 0) {
                snprintf(err, errlen, "cannot watch process %d: %s", (int) pid, strerror(-r));
                return r;
        }
        g->host->log(g->r, WP_LOG_INFO, "GENAPP_PID_FILE", "PidFile %s names process %d: watching it", path,
                     (int) pid);
        return 1;
}

static int on_pid_file_poll(wp_source *s, void *userdata) {
        Genapp *g = userdata;
        char err[512];
        int r;

        release_stage_timer(g);
        if (g->state != GENAPP_STARTING)
                return 0;
        r = pid_file_look(g, err, sizeof err);
        if (r < 0)
                genapp_fail(g, "%s", err);
        else if (r > 0)
                stage_advance(g);
        else if ((r = poll_again(g)) < 0)
                genapp_fail(g, "cannot arm the PidFile poll timer: %s", strerror(-r));
        return 0;
}

static int poll_again(Genapp *g) {
        return g->host->add_timer(g->r, GENAPP_PID_FILE_POLL_USEC, on_pid_file_poll, g, &g->stage_timer);
}

/* --- stages ----------------------------------------------------------- */

static int stage_begin(Genapp *g, char *err, size_t errlen) {
        int r;

        switch (g->stage) {
        case GENAPP_STAGE_PID_FILE:
                r = poll_again(g);
                if (r < 0)
                        snprintf(err, errlen, "cannot arm the PidFile poll timer: %s", strerror(-r));
                return r;
        case GENAPP_STAGE_PORT:
                return genapp_attempt_port(g, on_attempt_done, err, errlen);
        case GENAPP_STAGE_CHECK:
                return genapp_attempt_check(g, on_attempt_done, err, errlen);
        default:
                snprintf(err, errlen, "no readiness stage to begin");
                return -EINVAL;
        }
}

static int ready_from(Genapp *g, GenappStage first) {
        char err[512];
        int r;

        genapp_ready_cancel(g);
        g->stage = stage_from(g, first);
        if (g->stage == GENAPP_STAGE_DONE)
                return 1;
        r = stage_begin(g, err, sizeof err);
        if (r < 0)
                return g->host->error(g->r, r, "%s", err);
        return 0;
}

int genapp_ready_start(Genapp *g) {
        int r = ready_from(g, GENAPP_STAGE_PID_FILE);
        return r < 0 ? r : 0;
}

int genapp_ready_resume(Genapp *g) {
        return ready_from(g, GENAPP_STAGE_PORT);
}

/* --- is_alive --------------------------------------------------------- */

static void alive_answer(Genapp *g, bool alive, const char *why) {
        if (!g->alive_pending)
                return;
        g->alive_pending = false;
        if (alive)
                g->host->alive_result(g->r, true, NULL);
        else
                g->host->alive_result(g->r, false, "%s", why);
}

static void on_alive_check_done(Genapp *g, bool ok, const char *why) {
        alive_answer(g, ok, why);
}

static void on_alive_port_done(Genapp *g, bool ok, const char *why) {
        char err[512];

        if (!ok || strv_length(g->params.ready_check) == 0) {
                alive_answer(g, ok, why);
                return;
        }
        if (genapp_attempt_check(g, on_alive_check_done, err, sizeof err) < 0)
                alive_answer(g, false, err);
}

int genapp_alive_start(Genapp *g) {
        char err[512];
        int r;

        if (g->alive_pending)
                return -EINPROGRESS;
        if (g->params.ready_port > 0)
                r = genapp_attempt_port(g, on_alive_port_done, err, sizeof err);
        else if (strv_length(g->params.ready_check) > 0)
                r = genapp_attempt_check(g, on_alive_check_done, err, sizeof err);
        else
                return 1;
        if (r < 0)
                return g->host->error(g->r, r, "%s", err);
        g->alive_pending = true;
        return -EINPROGRESS;
}
