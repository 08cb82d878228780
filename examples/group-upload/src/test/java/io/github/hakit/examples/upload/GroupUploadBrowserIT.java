package io.github.hakit.examples.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.testkit.RequiredServers;
import io.github.hakit.testkit.TempDirs;
import io.github.hakit.testkit.proxy.NginxServer;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The page in a real headless Chromium (Debian {@code chromium} + {@code chromium-driver}) against the app on the
 * embedded cluster with a real Nginx per storage: upload to group2, upload to a chosen storage, download both
 * through the storage protocol and over HTTP and compare bytes, stop a tracker, upload again, and see the tracker
 * DOWN in the status panel. Screenshots go to {@code target/screenshots/}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class GroupUploadBrowserIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration WAIT = Duration.ofSeconds(20);

    @LocalServerPort
    int port;

    private WebDriver driver;
    private Path profile;
    private Path files;
    private final Path screenshots = Path.of("target", "screenshots");

    @BeforeEach
    void startChromium() throws Exception {
        RequiredServers.require(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "chromium and chromium-driver (apt-get install chromium chromium-driver)");
        RequiredServers.require(NginxServer.available(), "nginx (apt-get install nginx-light)");
        profile = Files.createTempDirectory("hakit-chromium-profile-");
        files = Files.createTempDirectory("hakit-upload-files-");
        Files.createDirectories(screenshots);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000",
                "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
    }

    @AfterEach
    void stopChromium() {
        if (driver != null) {
            driver.quit();
        }
        if (profile != null) {
            TempDirs.deleteTree(profile);
        }
        if (files != null) {
            TempDirs.deleteTree(files);
        }
    }

    @Test
    void uploadToGroupAndStorageDownloadBothWaysAndSeeAStoppedTrackerDown() throws Exception {
        driver.get("http://localhost:" + port + "/");
        // the status panel is redrawn every second: look elements up again when one went stale
        WebDriverWait wait = (WebDriverWait) new WebDriverWait(driver, WAIT).ignoring(StaleElementReferenceException.class);
        wait.until(d -> trackerStates().size() == 2 && trackerStates().stream().allMatch(s -> s.startsWith("UP")));
        wait.until(d -> d.findElements(By.cssSelector("#target option[value='group:group2']")).size() == 1);
        screenshot("01-start");

        // 1. to group2: the file id starts with group2/
        Path a = file("report-a.bin", 300_000);
        new Select(driver.findElement(By.id("target"))).selectByValue("group:group2");
        WebElement rowA = uploadAndAwaitRow(a);
        String idA = rowA.getAttribute("data-file-id");
        assertTrue(idA.startsWith("group2/"), idA);
        screenshot("02-uploaded-to-group2");

        // 2. to a named storage: stored there (its address is the file's source)
        WebElement storageOption = driver.findElements(By.cssSelector("#target option")).stream()
                .filter(o -> o.getAttribute("value").startsWith("storage:127.0.0.12:")).findFirst().orElseThrow();
        String storage = storageOption.getAttribute("value").substring("storage:".length());
        new Select(driver.findElement(By.id("target"))).selectByValue("storage:" + storage);
        Path b = file("photo-b.jpg", 120_000);
        WebElement rowB = uploadAndAwaitRow(b);
        String idB = rowB.getAttribute("data-file-id");
        assertTrue(idB.startsWith("group1/"), idB + " (127.0.0.12 is in group1)");
        assertEquals("127.0.0.12", rowB.findElement(By.cssSelector(".source")).getText());
        screenshot("03-uploaded-to-storage");

        // 3. download both through the storage protocol and over HTTP (Nginx per storage), compare bytes
        for (WebElement row : List.of(rowFor(idA), rowFor(idB))) {
            Path original = row.getAttribute("data-file-id").equals(idA) ? a : b;
            for (String via : List.of("via-storage", "via-http")) {
                String href = row.findElement(By.className(via)).getAttribute("href");
                assertEquals(sha256(original), browserSha256(href), via + " download of " + original.getFileName());
            }
        }

        // 4. stop tracker 1 from the panel, upload again, see it DOWN
        wait.until(d -> {
            d.findElement(By.cssSelector("#trackers tbody tr:first-child button.tracker-stop")).click();
            return true;
        });
        new Select(driver.findElement(By.id("target"))).selectByValue("group:group2");
        Path c = file("after-kill.txt", 4_000);
        String idC = uploadAndAwaitRow(c).getAttribute("data-file-id");
        assertTrue(idC.startsWith("group2/"), idC);
        wait.until(d -> trackerStates().get(0).startsWith("DOWN"));
        assertTrue(wait.until(d -> trackerStates()).get(1).startsWith("UP"));
        assertEquals(sha256(c), browserSha256(rowFor(idC).findElement(By.className("via-storage")).getAttribute("href")));
        screenshot("04-tracker-down-upload-still-works");
    }

    private List<String> trackerStates() {
        return driver.findElements(By.cssSelector("#trackers tbody td.state")).stream().map(WebElement::getText).toList();
    }

    private WebElement uploadAndAwaitRow(Path file) {
        int before = driver.findElements(By.cssSelector("#uploads tbody tr")).size();
        driver.findElement(By.id("file")).sendKeys(file.toAbsolutePath().toString());
        new WebDriverWait(driver, WAIT).until(d -> d.findElements(By.cssSelector("#uploads tbody tr")).size() > before);
        WebElement row = driver.findElement(By.cssSelector("#uploads tbody tr:first-child"));
        assertEquals(file.getFileName().toString(), row.findElement(By.cssSelector(".name")).getText(),
                driver.findElement(By.id("message")).getText());
        return row;
    }

    private WebElement rowFor(String fileId) {
        return driver.findElements(By.cssSelector("#uploads tbody tr")).stream()
                .filter(r -> fileId.equals(r.getAttribute("data-file-id"))).findFirst().orElseThrow();
    }

    private Path file(String name, int size) throws Exception {
        byte[] bytes = new byte[size];
        new Random(name.hashCode()).nextBytes(bytes);
        return Files.write(files.resolve(name), bytes);
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    /** The browser fetches the link and hashes what it received. */
    private String browserSha256(String href) {
        driver.manage().timeouts().scriptTimeout(WAIT);
        Object r = ((JavascriptExecutor) driver).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                fetch(arguments[0]).then(r => r.ok ? r.arrayBuffer() : Promise.reject('HTTP ' + r.status))
                  .then(b => crypto.subtle.digest('SHA-256', b))
                  .then(d => done(Array.from(new Uint8Array(d)).map(x => x.toString(16).padStart(2, '0')).join('')))
                  .catch(e => done('error: ' + e));
                """, href);
        return String.valueOf(r);
    }

    private void screenshot(String name) throws Exception {
        File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), screenshots.resolve(name + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
