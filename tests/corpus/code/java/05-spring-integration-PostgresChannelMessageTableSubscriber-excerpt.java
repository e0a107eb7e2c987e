// source: spring-projects/spring-integration spring-integration-jdbc/src/main/java/org/springframework/integration/jdbc/channel/PostgresChannelMessageTableSubscriber.java @ 00c75acd668c (Apache-2.0); excerpt (licence header, class javadoc, doStart), omitted code marked "[excerpt]"; tabs shown as 4 spaces
/*
 * Copyright 2022-2024 the original author or authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *      https://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

package org.springframework.integration.jdbc.channel;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

import org.postgresql.PGNotification;
import org.postgresql.jdbc.PgConnection;

/**
 * A subscriber for new messages being received by a Postgres database via a
 * {@link JdbcChannelMessageStore}. This subscriber implementation is using
 * Postgres' <i>LISTEN</i>/<i>NOTIFY</i> mechanism to allow for receiving push
 * notifications for new messages what functions even if a message is written
 * and read from different JVMs or {@link JdbcChannelMessageStore}s.
 * <p/>
 * Note that this subscriber requires an unshared {@link PgConnection} which
 * remains open for any lifecycle. It is therefore recommended to execute a single
 * subscriber for any JVM. For this reason, this subscriber is region-agnostic.
 * To listen for messages for a given region and group id, use a
 * {@link Subscription} and register it with this subscriber.
 * <p/>
 * In order to function, the Postgres database that is used must define a trigger
 * for sending notifications upon newly arrived messages. This trigger is defined
 * in the <i>schema-postgresql.sql</i> file within this artifact but commented
 * out.
 *
 * @author Rafael Winterhalter
 * @author Artem Bilan
 * @author Igor Lovich
 * @author Johannes Edmeier
 *
 * @since 6.0
 */
public final class PostgresChannelMessageTableSubscriber implements SmartLifecycle {

    // [excerpt] fields, constructors, setters, subscribe/unsubscribe, start() omitted

    private void doStart(CountDownLatch startingLatch) {
        try {
            while (isActive()) {
                try {
                    PgConnection conn = this.connectionSupplier.get();
                    try (Statement stmt = conn.createStatement()) {
                        stmt.execute("LISTEN " + this.tablePrefix.toLowerCase() + "channel_message_notify");
                    }
                    catch (Exception ex) {
                        try {
                            conn.close();
                        }
                        catch (Exception suppressed) {
                            ex.addSuppressed(suppressed);
                        }
                        throw ex;
                    }
                    this.subscriptionsMap.values()
                            .forEach(subscriptions -> subscriptions.forEach(Subscription::notifyUpdate));
                    try {
                        this.connection = conn;
                        while (isActive()) {
                            startingLatch.countDown();

                            PGNotification[] notifications = conn.getNotifications((int) this.notificationTimeout.toMillis());
                            // Unfortunately, there is no good way of interrupting a notification
                            // poll but by closing its connection.
                            if (!isActive()) {
                                return;
                            }
                            if ((notifications == null || notifications.length == 0) && !conn.isValid(1)) {
                                //We did not receive any notifications within the timeout period.
                                //If the connection is still valid, we will continue polling
                                //Otherwise, we will close the connection and re-establish it.
                                break;
                            }
                            for (PGNotification notification : notifications) {
                                String parameter = notification.getParameter();
                                Set<Subscription> subscriptions = this.subscriptionsMap.get(parameter);
                                if (subscriptions == null) {
                                    continue;
                                }
                                for (Subscription subscription : subscriptions) {
                                    subscription.notifyUpdate();
                                }
                            }

                        }
                    }
                    finally {
                        conn.close();
                    }
                }
                catch (Exception e) {
                    // The getNotifications method does not throw a meaningful message on interruption.
                    // Therefore, we do not log an error, unless it occurred while active.
                    if (isActive()) {
                        LOGGER.error(e, "Failed to poll notifications from Postgres database");
                    }
                }
            }
        }
        finally {
            this.latch.countDown();
        }
    }

    // [excerpt] the rest of the class omitted
}
