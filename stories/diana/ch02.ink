=== chapter_2 ===
{t("To be continued.", "Continuará.")} #chapter:2 #scene:stub_2
-> END
