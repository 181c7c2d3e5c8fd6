/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ipc.c: System V IPC and POSIX message queues between two processes, for
 * tests/vm/scenarios/26-ipc.sh and tests/integration/test_ipc.py. Each
 * subcommand prints key=value lines saying what it did (keys, ids, pids,
 * sizes), which the checks match with the capture.
 *
 *   ipc msg     a queue: the child opens it by key and sends, the parent receives
 *   ipc shm     a segment: the parent writes it, the child reads it (SHM_RDONLY)
 *   ipc sem     a set of two semaphores: SETVAL, semop -1, wait for zero, GETVAL
 *   ipc mq      a POSIX queue: the child sends, the parent receives
 *   ipc leave   a queue with a message, an attached segment, a semaphore set
 *               and a POSIX queue, none removed: the IPC namespace's end frees
 *               them
 *
 * Exits 0 when every call behaved as expected, 1 with a message if not. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEY_MSG 0x5ab10001
#define KEY_SHM 0x5ab10002
#define KEY_SEM 0x5ab10003
#define KEY_LEFT 0x5ab10004
#define MQ_NAME "/sabpf_ipc_mq"
#define MQ_LEFT "/sabpf_ipc_left"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "ipc: %s: %s\n", what, strerror(errno));
		exit(1);
	}
}

static void wait_child(pid_t child)
{
	int status;
	check(waitpid(child, &status, 0) == child, "waitpid");
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exit status");
}

struct ipc_msg {
	long mtype;
	char mtext[16];
};

static void msg(void)
{
	int id = msgget(KEY_MSG, IPC_CREAT | IPC_EXCL | 0600);
	check(id >= 0, "msgget IPC_CREAT");
	printf("msg_key=%d\nmsg_id=%d\nreceiver_pid=%d\n", KEY_MSG, id, getpid());
	pid_t child = fork();
	check(child >= 0, "fork");
	if (child == 0) {
		int again = msgget(KEY_MSG, 0);
		check(again == id, "msgget of the existing key");
		struct ipc_msg m = {.mtype = 5, .mtext = "ping"};
		check(msgsnd(again, &m, 5, 0) == 0, "msgsnd");
		_exit(0);
	}
	wait_child(child);
	printf("sender_pid=%d\nmsg_type=5\nmsg_bytes=5\n", child);
	struct ipc_msg m;
	check(msgrcv(id, &m, sizeof(m.mtext), 0, 0) == 5 && m.mtype == 5, "msgrcv");
	struct msqid_ds ds;
	check(msgctl(id, IPC_STAT, &ds) == 0, "msgctl IPC_STAT");
	check(msgctl(id, IPC_RMID, NULL) == 0, "msgctl IPC_RMID");
}

static void shm(void)
{
	int id = shmget(KEY_SHM, 4096, IPC_CREAT | IPC_EXCL | 0600);
	check(id >= 0, "shmget");
	char *p = shmat(id, NULL, 0);
	check(p != (void *)-1, "shmat");
	strcpy(p, "shared");
	printf("shm_key=%d\nshm_id=%d\nshm_size=4096\nshm_writer_pid=%d\n", KEY_SHM, id, getpid());
	pid_t child = fork();
	check(child >= 0, "fork");
	if (child == 0) {
		char *r = shmat(id, NULL, SHM_RDONLY);
		check(r != (void *)-1 && strcmp(r, "shared") == 0, "shmat SHM_RDONLY");
		check(shmdt(r) == 0, "shmdt (child)");
		_exit(0);
	}
	wait_child(child);
	printf("shm_reader_pid=%d\n", child);
	check(shmdt(p) == 0, "shmdt");
	check(shmdt(p) == -1 && errno == EINVAL, "a second shmdt fails");
	check(shmctl(id, IPC_RMID, NULL) == 0, "shmctl IPC_RMID");
}

static void sem(void)
{
	int id = semget(KEY_SEM, 2, IPC_CREAT | IPC_EXCL | 0600);
	check(id >= 0, "semget");
	printf("sem_key=%d\nsem_id=%d\nsem_nsems=2\nsem_pid=%d\n", KEY_SEM, id, getpid());
	check(semctl(id, 0, SETVAL, 1) == 0, "semctl SETVAL");
	struct sembuf down = {.sem_num = 0, .sem_op = -1, .sem_flg = 0};
	check(semop(id, &down, 1) == 0, "semop -1");
	struct sembuf zero[2] = {{.sem_num = 0, .sem_op = 0, .sem_flg = IPC_NOWAIT},
				 {.sem_num = 1, .sem_op = 0, .sem_flg = IPC_NOWAIT}};
	check(semop(id, zero, 2) == 0, "semop wait for zero");
	check(semctl(id, 0, GETVAL) == 0, "semctl GETVAL");
	check(semctl(id, 0, IPC_RMID) == 0, "semctl IPC_RMID");
}

static void mq(void)
{
	struct mq_attr attr = {.mq_maxmsg = 4, .mq_msgsize = 64};
	mqd_t q = mq_open(MQ_NAME, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
	check(q != (mqd_t)-1, "mq_open");
	printf("mq_name=%s\nmq_receiver_pid=%d\nmq_bytes=8\n", MQ_NAME, getpid());
	pid_t child = fork();
	check(child >= 0, "fork");
	if (child == 0) {
		check(mq_send(q, "hello mq", 8, 2) == 0, "mq_send");
		_exit(0);
	}
	wait_child(child);
	printf("mq_sender_pid=%d\n", child);
	char buf[64];
	unsigned prio = 0;
	check(mq_receive(q, buf, sizeof(buf), &prio) == 8 && prio == 2, "mq_receive");
	check(mq_close(q) == 0, "mq_close");
	check(mq_unlink(MQ_NAME) == 0, "mq_unlink");
}

/* Objects left behind for the end of the IPC namespace to free. */
static void leave(void)
{
	int q = msgget(KEY_LEFT, IPC_CREAT | 0600);
	check(q >= 0, "msgget");
	struct ipc_msg m = {.mtype = 1, .mtext = "left"};
	check(msgsnd(q, &m, 5, 0) == 0, "msgsnd");
	int s = shmget(KEY_LEFT, 4096, IPC_CREAT | 0600);
	check(s >= 0, "shmget");
	check(shmat(s, NULL, 0) != (void *)-1, "shmat");
	check(semget(KEY_LEFT, 1, IPC_CREAT | 0600) >= 0, "semget");
	struct mq_attr attr = {.mq_maxmsg = 4, .mq_msgsize = 64};
	mqd_t mq = mq_open(MQ_LEFT, O_CREAT | O_RDWR, 0600, &attr);
	check(mq != (mqd_t)-1, "mq_open");
	check(mq_send(mq, "left", 4, 0) == 0, "mq_send");
	printf("left_key=%d\nleft_msg_id=%d\nleft_shm_id=%d\n", KEY_LEFT, q, s);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	static const struct {
		const char *name;
		void (*run)(void);
	} cmds[] = {{"msg", msg}, {"shm", shm}, {"sem", sem}, {"mq", mq}, {"leave", leave}};
	for (size_t i = 0; argc == 2 && i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) == 0) {
			cmds[i].run();
			return 0;
		}
	}
	fprintf(stderr, "usage: ipc msg|shm|sem|mq|leave\n");
	return 2;
}
