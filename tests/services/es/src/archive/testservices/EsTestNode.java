package archive.testservices;

import org.elasticsearch.cluster.ClusterName;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.PluginsLoader;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Starts real Elasticsearch nodes inside this JVM, for the archive's tests.
 *
 * <p>Why: the Elasticsearch distribution cannot be downloaded here, but its server jar and the
 * transport-netty4 module are on Maven Central. This class does what the distribution's
 * bootstrap does minus the parts a throwaway test node does not need (CLI, keystore, entitlements,
 * bootstrap checks): read {@code <home>/config/elasticsearch.yml}, configure logging, load the
 * module bundles in {@code <home>/modules} with Elasticsearch's own plugin loader, start the node.
 * Only public server API is used.
 *
 * <p>Usage: {@code java -cp <lib classpath> archive.testservices.EsTestNode HOME [HOME...]}; one
 * node per home directory. tests/services/es_server.py writes the homes. Stop with SIGTERM: the
 * shutdown hook closes the nodes so that data written so far survives a restart.
 */
public final class EsTestNode {

    private EsTestNode() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: EsTestNode HOME [HOME...]");
            System.exit(2);
        }
        LogConfigurator.registerErrorListener();
        List<Environment> envs = new ArrayList<>();
        for (String arg : args) {
            Path home = Path.of(arg).toAbsolutePath();
            Settings base = Settings.builder().put("path.home", home.toString()).build();
            envs.add(
                InternalSettingsPreparer.prepareEnvironment(base, Map.of(), home.resolve("config"), () -> home.getFileName().toString())
            );
        }
        Environment first = envs.get(0);
        LogConfigurator.setClusterName(ClusterName.CLUSTER_NAME_SETTING.get(first.settings()).value());
        if (envs.size() == 1) {
            LogConfigurator.setNodeName(Node.NODE_NAME_SETTING.get(first.settings()));
        }
        LogConfigurator.configure(first, true);

        List<Node> nodes = new ArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> closeAll(nodes), "es-test-node-shutdown"));
        try {
            for (Environment env : envs) {
                PluginsLoader loader = PluginsLoader.createPluginsLoader(
                    PluginsLoader.loadModulesBundles(env.modulesDir()),
                    PluginsLoader.loadPluginsBundles(env.pluginsDir()),
                    Map.of(),
                    false // no qualified exports: the server runs on the classpath, not as a named module
                );
                synchronized (nodes) {
                    nodes.add(new Node(env, loader));
                }
            }
            // Start in parallel: with several master-eligible nodes each start() waits for the others to form the cluster.
            List<Thread> starters = new ArrayList<>();
            List<Throwable> failures = new ArrayList<>();
            for (Node node : nodes) {
                Thread t = new Thread(() -> {
                    try {
                        node.start();
                    } catch (Throwable e) {
                        synchronized (failures) {
                            failures.add(e);
                        }
                    }
                }, "es-test-node-start");
                t.start();
                starters.add(t);
            }
            for (Thread t : starters) {
                t.join();
            }
            if (failures.isEmpty() == false) {
                throw new IllegalStateException("a node failed to start", failures.get(0));
            }
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1); // runs the shutdown hook, which closes what was started
        }
        System.out.println("es-test-node: started " + nodes.size() + " node(s)");
        System.out.flush();
        new CountDownLatch(1).await(); // run until SIGTERM/SIGINT
    }

    private static void closeAll(List<Node> nodes) {
        synchronized (nodes) {
            for (Node node : nodes) {
                try {
                    node.close();
                    node.awaitClose(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    e.printStackTrace();
                }
            }
        }
        System.out.println("es-test-node: closed");
        System.out.flush();
    }
}
