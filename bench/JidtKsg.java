// KSG MI with JIDT on a whitespace-separated text table, for bench_ksg.py
// (which compiles this against a local infodynamics.jar when one is given
// with --jidt-jar or JIDT_JAR, and otherwise says JIDT was skipped).
//
//   java -cp infodynamics.jar:DIR JidtKsg FILE DX DY ALG THREADS REPS
//
// X = columns 0..DX-1, Y = the next DY columns; k = 4, max-norm, columns
// normalised by JIDT (its default), its default noise switched off
// (NOISE_LEVEL_TO_ADD = 0) so that the values are comparable with
// cogscope's. Timed: setObservations + computeAverageLocalOfObservations,
// best of REPS runs (the first runs also warm up the JIT).
// Prints one JSON object: value (nats), wall seconds of the best run and the
// process CPU seconds of that run (all JVM threads: workers, JIT, GC).
import infodynamics.measures.continuous.kraskov.MutualInfoCalculatorMultiVariateKraskov;
import infodynamics.measures.continuous.kraskov.MutualInfoCalculatorMultiVariateKraskov1;
import infodynamics.measures.continuous.kraskov.MutualInfoCalculatorMultiVariateKraskov2;
import java.io.BufferedReader;
import java.io.FileReader;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;

public class JidtKsg {
    public static void main(String[] a) throws Exception {
        String file = a[0];
        int dx = Integer.parseInt(a[1]), dy = Integer.parseInt(a[2]);
        int alg = Integer.parseInt(a[3]), threads = Integer.parseInt(a[4]);
        int reps = Integer.parseInt(a[5]);
        ArrayList<double[]> rows = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new FileReader(file))) {
            String line;
            while ((line = r.readLine()) != null) {
                line = line.trim();
                if (line.isEmpty() || line.startsWith("#") || line.startsWith("%"))
                    continue;
                String[] t = line.split("[\\s,]+");
                double[] v = new double[t.length];
                for (int i = 0; i < t.length; i++)
                    v[i] = Double.parseDouble(t[i]);
                rows.add(v);
            }
        }
        int n = rows.size();
        double[][] x = new double[n][dx], y = new double[n][dy];
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows.get(i), 0, x[i], 0, dx);
            System.arraycopy(rows.get(i), dx, y[i], 0, dy);
        }
        com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        double best = Double.MAX_VALUE, bestCpu = Double.NaN, value = Double.NaN;
        for (int rep = 0; rep < reps; rep++) {
            MutualInfoCalculatorMultiVariateKraskov c = alg == 1
                ? new MutualInfoCalculatorMultiVariateKraskov1()
                : new MutualInfoCalculatorMultiVariateKraskov2();
            c.setProperty("k", "4");
            c.setProperty("NOISE_LEVEL_TO_ADD", "0");
            c.setProperty("NUM_THREADS", Integer.toString(threads));
            long t0 = System.nanoTime(), c0 = os.getProcessCpuTime();
            c.initialise(dx, dy);
            c.setObservations(x, y);
            value = c.computeAverageLocalOfObservations();
            double s = (System.nanoTime() - t0) * 1e-9, cpu = (os.getProcessCpuTime() - c0) * 1e-9;
            if (s < best) {
                best = s;
                bestCpu = cpu;
            }
        }
        System.out.printf("{\"n\": %d, \"algorithm\": %d, \"threads\": %d, \"value\": %.10f, \"wall_s\": %.6f, "
                          + "\"cpu_s\": %.6f}%n", n, alg, threads, value, best, bestCpu);
    }
}
